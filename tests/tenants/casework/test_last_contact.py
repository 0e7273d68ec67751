"""The last contact follows every meaningful event of the person's follow-up: the retention
clock (two years after it, tenants/retention) starts again with each of them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tenants.casework.models import Dossier, Person
from tenants.casework.pathways import period_open
from tenants.casework.rights import right_update
from tenants.casework.services import (
    TransitionRequest,
    document_upload,
    dossier_transition,
    evaluation_record,
    person_contact_touch,
    project_action_save,
)
from tests.tenants.casework.conftest import PDF, prepare

LONG_AGO = dt.date(2020, 1, 1)


def _forgotten(dossier: Dossier) -> Person:
    """The person as if nobody had heard of her since 2020 (proves the event moved the date)."""
    Person.objects.filter(pk=dossier.person_id).update(last_contact_on=LONG_AGO)
    return Person.objects.get(pk=dossier.person_id)


def _last_contact(dossier: Dossier) -> dt.date | None:
    return Person.objects.get(pk=dossier.person_id).last_contact_on


def test_an_evaluation_is_a_contact_on_its_own_day(in31) -> None:  # type: ignore[no-untyped-def]
    worker = in31("association_worker")
    dossier = prepare(worker)
    _forgotten(dossier)
    day = timezone.localdate() - dt.timedelta(days=3)
    evaluation_record(
        access=worker,
        dossier_id=dossier.pk,
        domain="sante",
        items=[],
        notes="",
        evaluated_on=day,
        sign_off=True,
    )
    assert _last_contact(dossier) == day


def test_a_transition_of_the_file_is_a_contact(in31) -> None:  # type: ignore[no-untyped-def]
    worker = in31("association_worker")
    dossier = prepare(worker)
    _forgotten(dossier)
    dossier_transition(
        access=worker, dossier_id=dossier.pk, request=TransitionRequest(name="submit", data={})
    )
    assert _last_contact(dossier) == timezone.localdate()


def test_a_period_is_a_contact_but_never_in_the_future(in31) -> None:  # type: ignore[no-untyped-def]
    dossier = prepare(in31("association_worker"))
    _forgotten(dossier)
    period_open(dossier=dossier, starts_on=timezone.localdate() - dt.timedelta(days=10))
    assert _last_contact(dossier) == timezone.localdate() - dt.timedelta(days=10)
    Person.objects.filter(pk=dossier.person_id).update(last_contact_on=LONG_AGO)
    dossier.pathway.periods.all().delete()
    period_open(dossier=dossier, starts_on=timezone.localdate() + dt.timedelta(days=30))
    assert _last_contact(dossier) == timezone.localdate()


def test_a_right_is_a_contact_on_its_date(in31) -> None:  # type: ignore[no-untyped-def]
    dossier = prepare(in31("association_worker"))
    _forgotten(dossier)
    day = timezone.localdate() - dt.timedelta(days=2)
    right_update(
        access=in31("coordinator"),
        person_id=dossier.person_id,
        right_type="logement",
        status="requested",
        on=day,
    )
    assert _last_contact(dossier) == day


def test_a_document_is_a_contact(in31) -> None:  # type: ignore[no-untyped-def]
    worker = in31("association_worker")
    dossier = prepare(worker)
    _forgotten(dossier)
    document_upload(access=worker, dossier_id=dossier.pk, doc_type="identity", data=PDF)
    assert _last_contact(dossier) == timezone.localdate()


def test_an_action_of_the_project_is_a_contact(in31) -> None:  # type: ignore[no-untyped-def]
    worker = in31("association_worker")
    dossier = prepare(worker)
    _forgotten(dossier)
    project_action_save(
        access=worker,
        dossier_id=dossier.pk,
        action_id=None,
        domain="logement",
        description="Visite d'un logement",
        partner="",
        due_on=None,
        status="planned",
    )
    assert _last_contact(dossier) == timezone.localdate()


def test_an_older_event_never_moves_the_last_contact_back(in31) -> None:  # type: ignore[no-untyped-def]
    dossier = prepare(in31("association_worker"))
    today = timezone.localdate()
    person_contact_touch(person_id=dossier.person_id, on=today - dt.timedelta(days=100))
    assert _last_contact(dossier) == today
