"""A session in a few submits: the attendance of every seat as one sheet, the votes of an item as
one sheet (tenants/commission/sessions.py `attendance_record_sheet`, deliberation.py
`votes_cast_sheet`), each all or nothing, through the command table the page and the API share."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours.audit.models import AuditEvent
from parcours.errors import DomainError
from tenants.commission.commands import session_act
from tenants.commission.models import Attendance, Member, Presence, Session, Vote
from tenants.commission.services import (
    CommissionError,
    conflict_declare,
    quorum,
    session_close,
    session_open,
)
from tenants.commission.sessions import AttendanceRow, attendance_record_sheet
from tests.tenants.commission.factories import seated_commission, session_of_the_day

SEATS = 19


@pytest.fixture
def nineteen(in31) -> list[Member]:  # type: ignore[no-untyped-def]
    return seated_commission(in31("coordinator"), seats=SEATS)


def _sheet(members: list[Member], absent_with_proxy: int = 3) -> list[dict[str, Any]]:
    """Everyone present (two by video), the last `absent_with_proxy` absent, each giving a
    proxy to one of the first members; the holders are listed after those who give them."""
    rows: list[dict[str, Any]] = []
    for n, member in enumerate(members[:-absent_with_proxy] if absent_with_proxy else members):
        rows.append({"member": member.pk, "presence": "video" if n in (4, 5) else "in_person"})
    for n, member in enumerate(members[len(members) - absent_with_proxy :]):
        rows.insert(0, {"member": member.pk, "presence": "absent", "proxy_to": members[n].pk})
    return rows


def _state(session: Session) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    return (
        set(
            Attendance.objects.filter(session=session).values_list("member", "presence", "proxy_to")
        ),
        set(Vote.objects.filter(item__session=session).values_list("item", "member", "choice")),
    )


def test_nineteen_seats_are_recorded_in_one_sheet_with_a_bounded_number_of_queries(  # type: ignore[no-untyped-def]
    in31, nineteen
) -> None:
    coordinator = in31("coordinator")
    session = session_of_the_day(coordinator)
    with CaptureQueriesContext(connection) as queries:
        session_act(
            access=coordinator,
            session_id=session.pk,
            action="attendance_sheet",
            data={"rows": _sheet(nineteen)},
        )
    assert Attendance.objects.filter(session=session).count() == SEATS
    count = quorum(session=session)
    assert (count.present, count.represented, count.reached) == (16, 3, True)
    # Lock, members, attendance, replace, withdraw votes, one audit event: not one per seat.
    assert len(queries) <= 14, [q["sql"][:80] for q in queries]
    event = AuditEvent.objects.filter(action="commission.attendance_sheet").get()
    assert len(event.data["rows"]) == SEATS


def test_the_votes_of_an_item_are_one_sheet_and_a_declared_interest_has_no_vote(  # type: ignore[no-untyped-def]
    in31, nineteen
) -> None:
    coordinator = in31("coordinator")
    session = session_of_the_day(coordinator)
    session_act(
        access=coordinator,
        session_id=session.pk,
        action="attendance_sheet",
        data={"rows": _sheet(nineteen)},
    )
    item = session.items.order_by("position").first()
    assert item is not None
    conflict_declare(
        access=coordinator, item_id=item.pk, member_id=nineteen[7].pk, reason="Ancien employeur"
    )
    voting = [m for m in nineteen if m.pk != nineteen[7].pk]
    rows = [
        {"member": m.pk, "choice": "abstention" if n % 5 == 0 else "favourable"}
        for n, m in enumerate(voting)
    ]
    with CaptureQueriesContext(connection) as queries:
        session_act(
            access=coordinator,
            session_id=session.pk,
            action="votes",
            data={"item": item.pk, "rows": rows},
        )
    assert Vote.objects.filter(item=item).count() == SEATS - 1
    assert len(queries) <= 18, [q["sql"][:80] for q in queries]
    # The proxies were cast by their holders.
    absent = nineteen[-1]
    assert Vote.objects.get(item=item, member=absent).cast_by_id == nineteen[2].pk

    # The member who declared an interest is refused, and the whole sheet with them.
    before = _state(session)
    with pytest.raises(CommissionError, match=r"Ligne 2 \(Membre 8, .*\) : .*déclaré un intérêt"):
        session_act(
            access=coordinator,
            session_id=session.pk,
            action="votes",
            data={
                "item": item.pk,
                "rows": [
                    {"member": nineteen[0].pk, "choice": "unfavourable"},
                    {"member": nineteen[7].pk, "choice": "favourable"},
                ],
            },
        )
    assert _state(session) == before


@pytest.mark.parametrize(
    "bad, words",
    [
        (
            {"member": 999_999, "presence": "in_person"},
            r"Ligne 20 \(membre inconnu\) : ce membre n'est pas en mandat",
        ),
        ({"member": "x", "presence": "in_person"}, r"Ligne 20 \(membre inconnu\)"),
        ({"presence": "in_person"}, r"Ligne 20 \(membre inconnu\)"),
        (
            {"member": "FIRST", "presence": "present"},
            r"Ligne 20 \(Membre 1, .*\) : ce membre figure deux fois",
        ),
    ],
)
def test_one_bad_line_writes_nothing_and_says_which(in31, nineteen, bad, words) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    session = session_of_the_day(coordinator)
    rows = [{"member": m.pk, "presence": "in_person"} for m in nineteen]
    rows.append({**bad, "member": nineteen[0].pk} if bad.get("member") == "FIRST" else bad)
    with pytest.raises(CommissionError, match=words):
        session_act(
            access=coordinator,
            session_id=session.pk,
            action="attendance_sheet",
            data={"rows": rows},
        )
    assert not Attendance.objects.filter(session=session).exists()
    assert not AuditEvent.objects.filter(action="commission.attendance_sheet").exists()


def test_a_proxy_to_a_member_absent_or_a_chain_of_proxies_is_refused(in31, nineteen) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    session = session_of_the_day(coordinator)
    a, b, c = nineteen[:3]
    for rows, words in [
        ([{"member": a.pk, "presence": "absent", "proxy_to": b.pk}], "membre présent"),
        (
            [
                {"member": a.pk, "presence": "absent", "proxy_to": b.pk},
                {"member": b.pk, "presence": "absent", "proxy_to": c.pk},
                {"member": c.pk, "presence": "in_person"},
            ],
            "Ligne 1 .*membre présent",
        ),
        (
            [
                {"member": a.pk, "presence": "absent", "proxy_to": c.pk},
                {"member": b.pk, "presence": "absent", "proxy_to": c.pk},
                {"member": c.pk, "presence": "in_person"},
            ],
            "ne détient qu'une procuration",
        ),
        ([{"member": a.pk, "presence": "in_person", "proxy_to": b.pk}], "seul un membre absent"),
    ]:
        with pytest.raises(CommissionError, match=words):
            attendance_record_sheet(
                access=coordinator,
                session_id=session.pk,
                rows=[
                    AttendanceRow(
                        member_id=r["member"], presence=r["presence"], proxy_to_id=r.get("proxy_to")
                    )
                    for r in rows
                ],
            )
        assert not Attendance.objects.filter(session=session).exists()


def test_a_sheet_may_move_a_proxy_from_one_holder_to_another(in31, nineteen) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    session = session_of_the_day(coordinator)
    a, b, c, d = nineteen[:4]
    first = [
        {"member": a.pk, "presence": "absent", "proxy_to": c.pk},
        {"member": b.pk, "presence": "absent", "proxy_to": d.pk},
        {"member": c.pk, "presence": "in_person"},
        {"member": d.pk, "presence": "in_person"},
    ]
    session_act(
        access=coordinator, session_id=session.pk, action="attendance_sheet", data={"rows": first}
    )
    swapped = [{**first[0], "proxy_to": d.pk}, {**first[1], "proxy_to": c.pk}]
    session_act(
        access=coordinator, session_id=session.pk, action="attendance_sheet", data={"rows": swapped}
    )
    assert dict(Attendance.objects.filter(session=session).values_list("member", "proxy_to")) == {
        a.pk: d.pk,
        b.pk: c.pk,
        c.pk: None,
        d.pk: None,
    }


def test_the_domain_refuses_what_the_page_does_not_offer(in31, nineteen) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    # Not before its day: opening is refused (the page offers no button).
    early = session_of_the_day(coordinator, opened=False)
    Session.objects.filter(pk=early.pk).update(starts_at=timezone.now() + dt.timedelta(days=2))
    with pytest.raises(CommissionError, match="s'ouvre le jour"):
        session_open(access=coordinator, session_id=early.pk)
    # Nothing once closed: neither attendance nor votes.
    session = session_of_the_day(coordinator)
    item = session.items.first()
    assert item is not None
    session_close(access=coordinator, session_id=session.pk)
    with pytest.raises(CommissionError, match="La séance est close"):
        session_act(
            access=coordinator,
            session_id=session.pk,
            action="attendance_sheet",
            data={"rows": [{"member": nineteen[0].pk, "presence": "in_person"}]},
        )
    with pytest.raises(CommissionError, match="séance ouverte"):
        session_act(
            access=coordinator,
            session_id=session.pk,
            action="votes",
            data={"item": item.pk, "rows": [{"member": nineteen[0].pk, "choice": "favourable"}]},
        )


# --- Hostile sheets ------------------------------------------------------------------------

MEMBERS = 6
member_ref: st.SearchStrategy[Any] = st.one_of(
    st.integers(0, MEMBERS - 1),  # one of the commission
    st.sampled_from([-1, 0, 999_999, 2**63]),  # unknown, or beyond any id
    st.sampled_from(["", "x", "1e3", None, True, [], {}]),  # not an id at all
)
line = st.fixed_dictionaries(
    {
        "member": member_ref,
        "presence": st.sampled_from(["in_person", "video", "absent", "", "present", None, 3]),
    },
    optional={"proxy_to": member_ref},
)
vote_line = st.fixed_dictionaries(
    {"member": member_ref, "choice": st.sampled_from(["favourable", "abstention", "oui", "", 1])}
)


def _resolve(value: Any, members: list[Member]) -> Any:
    return (
        members[value].pk
        if isinstance(value, int) and 0 <= value < MEMBERS and not isinstance(value, bool)
        else value
    )


class _Rollback(Exception):
    pass


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=st.lists(line, max_size=8),
    second=st.lists(line, max_size=8) | st.just("not a list") | st.just([1, "x"]),
    votes=st.lists(vote_line, max_size=8),
    as_form=st.booleans(),
)
def test_a_hostile_sheet_is_refused_whole_or_recorded_whole(  # type: ignore[no-untyped-def]
    in31, first, second, votes, as_form
) -> None:
    """Unknown members, proxies to the absent, duplicates, chains, junk: the command answers or
    refuses in the domain's words (never another exception, so never a 500), and a refused
    sheet leaves the session exactly as it was."""
    coordinator = in31("coordinator")
    try:
        with transaction.atomic():
            members = seated_commission(coordinator, seats=MEMBERS)
            session = session_of_the_day(coordinator)
            item = session.items.order_by("position").first()
            assert item is not None
            for sheet, action in [
                (first, "attendance_sheet"),
                (second, "attendance_sheet"),
                (votes, "votes"),
            ]:
                rows = (
                    [{k: _resolve(v, members) for k, v in r.items()} for r in sheet]
                    if isinstance(sheet, list) and all(isinstance(r, dict) for r in sheet)
                    else sheet
                )
                data: dict[str, Any] = {"item": item.pk}
                if as_form and isinstance(rows, list) and all(isinstance(r, dict) for r in rows):
                    # As the page posts it: strings, one field per line and column.
                    for n, r in enumerate(rows):
                        for k, v in r.items():
                            data[f"rows-{n}-{k}"] = "" if v is None else str(v)
                else:
                    data["rows"] = rows
                before = _state(session)
                try:
                    session_act(access=coordinator, session_id=session.pk, action=action, data=data)
                except DomainError as exc:
                    assert exc.reasons and all(r[:1].isupper() for r in exc.reasons), exc.reasons
                    assert _state(session) == before
                _check(session)
            raise _Rollback
    except _Rollback:
        pass


def _check(session: Session) -> None:
    """What any recorded attendance satisfies: proxies from the absent to members present, one
    held at most, no chain."""
    sheet = dict(
        (m, (p, to))
        for m, p, to in Attendance.objects.filter(session=session).values_list(
            "member", "presence", "proxy_to"
        )
    )
    holders = [to for _, to in sheet.values() if to is not None]
    assert len(holders) == len(set(holders))
    for member, (presence, to) in sheet.items():
        if to is not None:
            assert presence == Presence.ABSENT and to != member
            assert sheet[to][0] != Presence.ABSENT
