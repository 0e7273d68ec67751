"""Approvals follow the legal delays: missing items within 2 months, silence of 4 months after a
complete file is approval, 3 years of validity; a withdrawal blocks new files."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from parcours.associations.models import Association
from parcours.referentiel.models import Departement
from tenants.agrements.models import Agrement, AgrementStatus
from tenants.agrements.selectors import tacit_approval_on, tacit_warnings
from tenants.agrements.services import (
    AgrementError,
    agrement_decide,
    agrement_mark_complete,
    agrement_request,
    agrement_request_missing_items,
    agrement_withdraw,
    agrements_tacit_apply,
)
from tenants.casework.handover import files_handover
from tenants.casework.services import CaseworkError, person_create


@pytest.fixture
def newcomer(db):  # type: ignore[no-untyped-def]
    return Association.objects.create(
        name="Nouvelle association",
        rna="W312000777",
        declared_on=dt.date(2015, 3, 1),
        head_office_departement=Departement.objects.get(code="31"),
    )


@pytest.mark.parametrize(
    ("complete", "tacit"),
    [
        (dt.date(2025, 10, 31), dt.date(2026, 2, 28)),  # month end into a short February
        (dt.date(2027, 10, 31), dt.date(2028, 2, 29)),  # ... of a leap year
        (dt.date(2027, 11, 30), dt.date(2028, 3, 30)),
        (dt.date(2028, 2, 29), dt.date(2028, 6, 29)),
    ],
)
def test_tacit_approval_comes_4_months_after_the_complete_file(
    in31, newcomer, complete, tacit
) -> None:  # type: ignore[no-untyped-def]
    agrement = Agrement(
        association=newcomer,
        status=AgrementStatus.COMPLETE,
        requested_on=complete,
        complete_on=complete,
    )
    assert tacit_approval_on(agrement=agrement) == tacit


def test_without_missing_items_asked_in_2_months_the_file_is_complete_as_received(
    in31, newcomer
) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    received = timezone.localdate() - dt.timedelta(days=70)
    agrement = agrement_request(
        access=coordinator,
        association_id=newcomer.pk,
        requested_on=received,
        departements=["31", "09"],
    )
    with pytest.raises(AgrementError, match="deux mois"):
        agrement_request_missing_items(
            access=coordinator,
            agrement_id=agrement.pk,
            items="Statuts à jour",
            on=timezone.localdate(),
        )
    assert tacit_approval_on(
        agrement=Agrement.objects.get(pk=agrement.pk)
    ) == received + relativedelta(months=4)
    assert Agrement.objects.get(pk=agrement.pk).status == AgrementStatus.REQUESTED


def test_no_decision_on_an_incomplete_file_and_a_motivated_refusal(in31, newcomer) -> None:  # type: ignore[no-untyped-def]
    coordinator, prefet = in31("coordinator"), in31("prefet")
    today = timezone.localdate()
    agrement = agrement_request(
        access=coordinator, association_id=newcomer.pk, requested_on=today, departements=["31"]
    )
    agrement_request_missing_items(
        access=coordinator, agrement_id=agrement.pk, items="Rapport d'activité", on=today
    )
    with pytest.raises(AgrementError, match="pas complet"):
        agrement_decide(
            access=prefet, agrement_id=agrement.pk, approve=True, on=today, reference="A-1"
        )
    agrement_mark_complete(access=coordinator, agrement_id=agrement.pk, on=today)
    with pytest.raises(AgrementError, match="motivé"):
        agrement_decide(
            access=prefet, agrement_id=agrement.pk, approve=False, on=today, motivation="non"
        )
    approved = agrement_decide(
        access=prefet,
        agrement_id=agrement.pk,
        approve=True,
        on=today,
        reference="Arrêté 2026-31-12",
    )
    assert (approved.valid_from, approved.valid_until) == (today, today + relativedelta(years=3))


def test_silence_approves_on_the_tacit_date_once_with_a_warning_before(in31, newcomer) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    today = timezone.localdate()
    agrement = agrement_request(
        access=coordinator,
        association_id=newcomer.pk,
        requested_on=today - dt.timedelta(days=200),
        departements=["31"],
    )
    agrement_mark_complete(
        access=coordinator, agrement_id=agrement.pk, on=today - dt.timedelta(days=110)
    )
    tacit = tacit_approval_on(agrement=Agrement.objects.get(pk=agrement.pk))
    assert [a.pk for a, _ in tacit_warnings(today=tacit - dt.timedelta(days=10))] == [agrement.pk]
    assert agrements_tacit_apply(today=tacit - dt.timedelta(days=1)) == []
    assert [a.pk for a in agrements_tacit_apply(today=tacit)] == [agrement.pk]
    assert agrements_tacit_apply(today=tacit) == []
    approved = Agrement.objects.get(pk=agrement.pk)
    assert (approved.status, approved.tacit, approved.valid_from) == (
        AgrementStatus.APPROVED,
        True,
        tacit,
    )


def test_an_association_younger_than_3_years_is_not_eligible(in31) -> None:  # type: ignore[no-untyped-def]
    young = Association.objects.create(
        name="Jeune",
        rna="W312000888",
        declared_on=timezone.localdate() - dt.timedelta(days=400),
        head_office_departement=Departement.objects.get(code="31"),
    )
    with pytest.raises(AgrementError, match="trois ans"):
        agrement_request(
            access=in31("coordinator"),
            association_id=young.pk,
            requested_on=timezone.localdate(),
            departements=["31"],
        )


def test_a_withdrawal_blocks_new_files_and_the_files_are_handed_over(in31) -> None:  # type: ignore[no-untyped-def]
    worker, coordinator, prefet = in31("association_worker"), in31("coordinator"), in31("prefet")
    person = person_create(
        access=worker,
        identity={"first_name": "A", "last_name": "B"},
        children_count=0,
        languages=[],
    )
    association_a = person.association_id
    agrement = Agrement.objects.get(association_id=association_a, status=AgrementStatus.APPROVED)
    with pytest.raises(AgrementError, match="motivé"):
        agrement_withdraw(
            access=prefet, agrement_id=agrement.pk, on=timezone.localdate(), motivation="court"
        )
    agrement_withdraw(
        access=prefet,
        agrement_id=agrement.pk,
        on=timezone.localdate(),
        motivation="Les conditions de l'article R.121-12-2 ne sont plus remplies.",
    )
    with pytest.raises(CaseworkError, match="agréée"):
        person_create(
            access=in31("association_worker"),
            identity={"first_name": "C", "last_name": "D"},
            children_count=0,
            languages=[],
        )
    other = Association.objects.get(rna="W753000099")  # also approved in 31
    assert (
        files_handover(
            access=coordinator, from_association_id=association_a, to_association_id=other.pk
        )
        >= 1
    )
    person.refresh_from_db()
    assert person.association_id == other.pk


def test_after_a_withdrawal_the_association_can_no_longer_act_on_its_files(in31) -> None:  # type: ignore[no-untyped-def]
    from tenants.casework.selectors import (
        NotInScope,
        dossier_get,
        dossiers_visible,
        persons_visible,
    )
    from tenants.casework.services import TransitionRequest, dossier_transition, evaluation_record
    from tests.tenants.casework.conftest import prepare

    worker = in31("association_worker")
    dossier = prepare(worker)
    agrement = Agrement.objects.get(
        association_id=dossier.association_id, status=AgrementStatus.APPROVED
    )
    agrement_withdraw(
        access=in31("prefet"),
        agrement_id=agrement.pk,
        on=timezone.localdate(),
        motivation="Les conditions de l'article R.121-12-2 ne sont plus remplies.",
    )
    # Its files left its scope: it reads none and writes none (they await the handover).
    assert not dossiers_visible(access=worker).exists()
    assert not persons_visible(access=worker).exists()
    with pytest.raises(NotInScope):
        dossier_get(access=worker, pk=dossier.pk)
    with pytest.raises(NotInScope):
        dossier_transition(
            access=worker, dossier_id=dossier.pk, request=TransitionRequest(name="submit", data={})
        )
    with pytest.raises(NotInScope):
        evaluation_record(
            access=worker,
            dossier_id=dossier.pk,
            domain="social",
            items=[],
            notes="",
            evaluated_on=timezone.localdate(),
            sign_off=True,
        )
    dossier.refresh_from_db()
    assert dossier.state == "draft"
