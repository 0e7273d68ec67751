"""The whole exit pathway, as the law runs it: first request, three renewals, the ceiling, the end."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from parcours.audit.models import AuditEvent
from parcours.db import connection
from parcours.workflows.services import current_template, workflow_variant_save
from tenants.casework.models import DossierEvent, PathwayStatus, Period
from tenants.casework.services import (
    SESSION_TRANSITIONS,
    CaseworkError,
    TransitionRequest,
    dossier_create,
    dossier_transition,
    pathway_end_early,
    pathway_exit,
)
from tests.tenants.casework.conftest import prepare


def run(access, dossier, name, **data):  # type: ignore[no-untyped-def]
    comment = data.pop("comment", "")
    return dossier_transition(
        access=access,
        dossier_id=dossier.pk,
        request=TransitionRequest(name=name, data=data, comment=comment),
        # These tests drive the engine itself; the commission's services fire its transitions.
        from_session=name in SESSION_TRANSITIONS,
    )


def through_commission_and_decision(in31, dossier, *, start_on=None):  # type: ignore[no-untyped-def]
    coordinator, prefet, worker = in31("coordinator"), in31("prefet"), in31("association_worker")
    today = timezone.localdate()
    run(worker, dossier, "submit")
    run(coordinator, dossier, "declare_complete")
    run(coordinator, dossier, "schedule", session_on=today.isoformat())
    run(
        coordinator,
        dossier,
        "record_commission_avis",
        avis="favourable",
        votes_for=9,
        votes_against=2,
        abstentions=1,
    )
    data = {"start_on": start_on.isoformat()} if start_on else {}
    return run(prefet, dossier, "authorise", **data)


def test_first_request_three_renewals_ceiling_then_exit(
    in31, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    worker, coordinator = in31("association_worker"), in31("coordinator")
    today = timezone.localdate()
    # This département lets the préfet end a pathway early (an option of its workflow variant,
    # chosen before the file starts: a file keeps the version it started on).
    workflow_variant_save(
        tenant=coordinator.tenant,
        template=current_template(code="psp"),
        adjustments={"options": {"early_end_of_pathway": True}},
        actor_id=coordinator.user_id,
    )
    connection.set_tenant(coordinator.tenant)

    first = prepare(worker)
    run(worker, first, "submit")
    run(coordinator, first, "request_missing_items", comment="Pièce d'identité illisible")
    run(worker, first, "submit")
    run(coordinator, first, "declare_complete")
    run(coordinator, first, "schedule", session_on=today.isoformat())
    run(
        coordinator,
        first,
        "record_commission_avis",
        avis="favourable",
        votes_for=9,
        votes_against=2,
        abstentions=1,
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = run(in31("prefet"), first, "authorise", start_on=today.isoformat())
    assert first.state == "authorised"
    assert len(callbacks) == 1  # the decision letter, generated after commit
    pathway = first.pathway
    pathway.refresh_from_db()
    assert pathway.status == PathwayStatus.ACTIVE
    period = Period.objects.get(dossier=first)
    assert period.starts_on == today
    assert period.ends_on == today + relativedelta(months=6) - dt.timedelta(days=1)

    for number in (2, 3, 4):
        renewal = prepare(worker, person_id=first.person_id, kind="renewal")
        assert renewal.number == number
        renewal = through_commission_and_decision(in31, renewal)
        assert renewal.state == "authorised"
    periods = list(pathway.periods.order_by("number"))
    assert [p.number for p in periods] == [1, 2, 3, 4]
    for before, after in itertools.pairwise(periods):
        assert after.starts_on == before.ends_on + dt.timedelta(days=1)

    with pytest.raises(CaseworkError, match="24 mois"):
        dossier_create(access=worker, person_id=first.person_id, kind="renewal")

    # Twenty months later: the fourth period is running when the préfet ends the pathway early.
    for period in Period.objects.filter(pathway=pathway):
        period.starts_on -= relativedelta(months=20)
        period.ends_on -= relativedelta(months=20)
        period.save(update_fields=["starts_on", "ends_on"])
    ended = pathway_end_early(
        access=in31("prefet"),
        pathway_id=pathway.pk,
        on=today,
        reason="Engagements non tenus depuis trois mois.",
    )
    assert ended.status == PathwayStatus.ENDED_EARLY
    assert Period.objects.get(pathway=pathway, number=4).ended_early_on == today

    exited = pathway_exit(access=worker, pathway_id=pathway.pk, outcome="emploi", on=today)
    assert exited.status == PathwayStatus.EXITED
    assert DossierEvent.objects.filter(dossier=first).count() == 7
    assert AuditEvent.objects.filter(action="dossier.transition.authorise").count() == 4


def test_a_transition_from_the_wrong_state_is_refused_with_the_reason(in31) -> None:  # type: ignore[no-untyped-def]
    dossier = prepare(in31("association_worker"))
    with pytest.raises(CaseworkError, match="n'est pas possible"):
        run(in31("prefet"), dossier, "authorise", start_on=timezone.localdate().isoformat())


def test_a_transition_for_another_role_is_refused_with_the_reason(in31) -> None:  # type: ignore[no-untyped-def]
    dossier = prepare(in31("association_worker"))
    with pytest.raises(CaseworkError, match="réservé"):
        run(in31("coordinator"), dossier, "submit")
