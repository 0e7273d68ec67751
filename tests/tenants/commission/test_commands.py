"""The session command table (tenants/commission/commands.py) and the rules it made one: each
test is a defect found as a client of the pages and the API, fixed once for both."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from parcours.audit.models import AuditEvent
from parcours.errors import NotInScope, Refused
from tenants.commission.commands import session_act
from tenants.commission.models import ConflictOfInterest, Presence, Session, SessionStatus, Vote
from tenants.commission.selectors import sessions_for_scheduling
from tenants.commission.services import (
    CommissionError,
    agenda_add_file,
    agenda_add_policy,
    conflict_declare,
    session_close,
    session_convene,
    session_open,
    session_schedule,
)
from tests.tenants.commission.test_sessions import attend, complete_file, opened


def _another_open_session(in31) -> Session:  # type: ignore[no-untyped-def]
    other = session_schedule(
        access=in31("coordinator"), starts_at=timezone.now() + dt.timedelta(days=12)
    )
    opened(in31, other)
    return other


@pytest.mark.parametrize(
    "action, extra",
    [("vote", {"choice": "favourable"}), ("conflict", {"reason": "Intérêt"}), ("close_item", {})],
)
def test_an_action_on_an_item_of_another_session_is_not_in_scope(
    in31, commission, session, action, extra
) -> None:  # type: ignore[no-untyped-def]
    item = opened(in31, session)
    other = _another_open_session(in31)
    member = commission.titulars["magistrat"]
    attend(in31, session, member)
    with pytest.raises(NotInScope):
        session_act(
            access=in31("coordinator"),
            session_id=other.pk,
            action=action,
            data={"item": item.pk, "member": member.pk, **extra},
        )
    item.refresh_from_db()
    assert not Vote.objects.exists() and not ConflictOfInterest.objects.exists()
    assert item.closed_at is None
    # Through the item's own session, the action reaches the deliberation's rules.
    try:
        session_act(
            access=in31("coordinator"),
            session_id=session.pk,
            action=action,
            data={"item": item.pk, "member": member.pk, **extra},
        )
    except CommissionError as exc:
        assert "quorum" in str(exc).lower()  # closing an item needs the quorum


@pytest.mark.parametrize("starts_at", ["9999-12-31T10:00", "0001-01-01T10:00", "demain"])
def test_a_second_convocation_takes_only_a_plausible_date(
    in31, commission, session, starts_at
) -> None:  # type: ignore[no-untyped-def]
    opened(in31, session)
    attend(in31, session, commission.titulars["magistrat"])  # met, without quorum
    before = Session.objects.count()
    with pytest.raises(Refused) as refused:
        session_act(
            access=in31("coordinator"),
            session_id=session.pk,
            action="reconvene",
            data={"starts_at": starts_at},
        )
    assert "starts_at" in refused.value.fields
    assert Session.objects.count() == before
    later = (timezone.localtime() + dt.timedelta(days=8)).strftime("%Y-%m-%dT%H:%M")
    done = session_act(
        access=in31("coordinator"),
        session_id=session.pk,
        action="reconvene",
        data={"starts_at": later},
    )
    assert Session.objects.get(pk=done.session_id).second_convocation


def test_a_conflict_is_declared_only_by_a_member_who_sits(in31, commission, session) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    item = opened(in31, session)
    t = commission.titulars
    attend(in31, session, t["gendarmerie"], Presence.ABSENT)
    for member_id in (999_999, t["gendarmerie"].pk):  # unknown; absent without proxy
        with pytest.raises(CommissionError, match="déclarer"):
            conflict_declare(
                access=coordinator, item_id=item.pk, member_id=member_id, reason="Intérêt"
            )
    assert not ConflictOfInterest.objects.exists()
    # A member present, or absent having given a proxy, may declare.
    attend(in31, session, t["magistrat"])
    attend(in31, session, t["medecin"], Presence.ABSENT, proxy_to=t["magistrat"])
    for member in (t["magistrat"], t["medecin"]):
        conflict_declare(access=coordinator, item_id=item.pk, member_id=member.pk, reason="Intérêt")
    assert ConflictOfInterest.objects.count() == 2


def test_no_conflict_is_declared_on_an_item_of_a_closed_session(in31, commission, session) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    opened(in31, session)
    item = agenda_add_policy(access=coordinator, session_id=session.pk, title="Point ajouté")
    attend(in31, session, commission.titulars["magistrat"])
    session_close(access=coordinator, session_id=session.pk)
    with pytest.raises(CommissionError, match="close"):
        conflict_declare(
            access=coordinator,
            item_id=item.pk,
            member_id=commission.titulars["magistrat"].pk,
            reason="Intérêt",
        )
    assert not ConflictOfInterest.objects.exists()


def test_a_session_that_met_without_quorum_closes_with_a_carence(in31, commission, session) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    opened(in31, session)
    attend(in31, session, commission.titulars["magistrat"])  # 1 of 8 seats: no quorum
    closed = session_close(access=coordinator, session_id=session.pk)
    assert closed.status == SessionStatus.CLOSED and closed.carence_at is not None
    assert AuditEvent.objects.filter(
        action="commission.session_carence", object_id=str(session.pk)
    ).exists()


def test_a_session_that_deliberated_closes_without_carence(in31, commission, session) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    opened(in31, session)
    for member in (commission.chair, *list(commission.titulars.values())[:4]):
        attend(in31, session, member)
    assert session_close(access=coordinator, session_id=session.pk).carence_at is None


def test_attendance_is_not_taken_on_a_session_only_planned(in31, commission, session) -> None:  # type: ignore[no-untyped-def]
    member = commission.titulars["magistrat"]
    data = {"member": member.pk, "presence": Presence.IN_PERSON}
    with pytest.raises(CommissionError, match="convoquée"):
        session_act(
            access=in31("coordinator"), session_id=session.pk, action="attendance", data=data
        )
    assert not session.attendances.exists()
    agenda_add_policy(
        access=in31("coordinator"), session_id=session.pk, title="Point d'information"
    )
    session_convene(access=in31("coordinator"), session_id=session.pk)
    session_act(access=in31("coordinator"), session_id=session.pk, action="attendance", data=data)
    assert session.attendances.filter(member=member).exists()


def test_a_session_is_not_opened_hours_before_its_convened_time(in31, commission, session) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    agenda_add_policy(access=coordinator, session_id=session.pk, title="Point d'information")
    session_convene(access=coordinator, session_id=session.pk)
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() + dt.timedelta(hours=3))
    with pytest.raises(CommissionError, match="heure"):
        session_open(access=coordinator, session_id=session.pk)
    assert Session.objects.get(pk=session.pk).status == SessionStatus.CONVENED
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now())
    assert session_open(access=coordinator, session_id=session.pk).status == SessionStatus.OPEN


def test_the_scheduling_list_and_agenda_add_file_apply_one_rule(in31, commission, session) -> None:  # type: ignore[no-untyped-def]
    """A session of today whose hour has passed is neither offered nor accepted."""
    dossier = complete_file(in31)
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=5))
    assert session.pk not in {s.pk for s in sessions_for_scheduling()}
    with pytest.raises(CommissionError, match="passée"):
        agenda_add_file(access=in31("coordinator"), session_id=session.pk, dossier_id=dossier.pk)
    assert not session.items.exists()
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() + dt.timedelta(hours=1))
    assert session.pk in {s.pk for s in sessions_for_scheduling()}
    agenda_add_file(access=in31("coordinator"), session_id=session.pk, dossier_id=dossier.pk)
    assert session.items.filter(dossier=dossier).exists()
