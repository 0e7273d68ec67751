"""Property: whatever the order of attendance, proxies, votes, conflicts and closings, each seat
votes at most once per item, and an avis exists only for an item closed with quorum, or on a
second convocation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenants.commission.models import AgendaItem, Presence, Session, Vote
from tenants.commission.services import (
    CommissionError,
    agenda_add_policy,
    attendance_record,
    conflict_declare,
    item_close,
    quorum,
    session_convene,
    session_open,
    session_schedule,
    vote_cast,
)
from tests.tenants.commission.test_sessions import on_the_day

MEMBERS = 9  # the fixture's chair, 7 titulars and the DDETS substitute
ITEMS = 2

attendance = st.tuples(
    st.just("attendance"),
    st.integers(0, MEMBERS - 1),
    st.sampled_from([Presence.IN_PERSON, Presence.VIDEO, Presence.ABSENT]),
    st.none() | st.integers(0, MEMBERS - 1),
)
vote = st.tuples(
    st.just("vote"),
    st.integers(0, ITEMS - 1),
    st.integers(0, MEMBERS - 1),
    st.sampled_from(["favourable", "unfavourable", "abstention"]),
)
# Everyone tries to vote on an item, in an order drawn at random (titulars, substitutes, proxies).
ballot = st.tuples(
    st.just("ballot"),
    st.integers(0, ITEMS - 1),
    st.permutations(range(MEMBERS)),
    st.lists(
        st.sampled_from(["favourable", "unfavourable", "abstention"]),
        min_size=MEMBERS,
        max_size=MEMBERS,
    ),
)
conflict = st.tuples(st.just("conflict"), st.integers(0, ITEMS - 1), st.integers(0, MEMBERS - 1))
close = st.tuples(st.just("close"), st.integers(0, ITEMS - 1))
actions = st.lists(
    st.one_of(attendance, attendance, vote, ballot, conflict, close), min_size=3, max_size=20
)
# Who is there when the session opens (None: not recorded); later steps change it. Half of the
# members on average: sessions fall on both sides of the quorum (4 seats of 8).
arrivals = st.lists(
    st.sampled_from([Presence.IN_PERSON, Presence.VIDEO, Presence.ABSENT, None]),
    min_size=MEMBERS,
    max_size=MEMBERS,
)


class _Rollback(Exception):
    pass


@pytest.mark.parametrize("second_convocation", [False, True])
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(arrived=arrivals, steps=actions)
def test_each_seat_votes_once_and_an_avis_needs_quorum_or_a_second_convocation(
    in31, commission, second_convocation, arrived, steps
) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    members = [commission.chair, *commission.titulars.values(), commission.substitute]
    try:
        with transaction.atomic():
            session = session_schedule(
                access=coordinator, starts_at=timezone.now() + dt.timedelta(days=10)
            )
            items = [
                agenda_add_policy(
                    access=coordinator, session_id=session.pk, title=f"Point numéro {n}"
                )
                for n in range(ITEMS)
            ]
            session_convene(access=coordinator, session_id=session.pk)
            Session.objects.filter(pk=session.pk).update(second_convocation=second_convocation)
            on_the_day(session)
            session_open(access=coordinator, session_id=session.pk)
            opening = [("attendance", n, p, None) for n, p in enumerate(arrived) if p is not None]
            # Every sequence ends by trying to close each item: that is where an avis is made.
            closing = [("close", n) for n in range(ITEMS)]
            for step in [*opening, *steps, *closing]:
                _run(coordinator, session, items, members, step)
                _check(session, second_convocation)
            raise _Rollback
    except _Rollback:
        pass


def _run(
    coordinator: Any,
    session: Session,
    items: list[AgendaItem],
    members: list[Any],
    step: tuple[Any, ...],
) -> None:
    kind = step[0]
    try:
        if kind == "attendance":
            _, who, presence, proxy = step
            attendance_record(
                access=coordinator,
                session_id=session.pk,
                member_id=members[who].pk,
                presence=presence,
                proxy_to_id=members[proxy].pk if proxy is not None else None,
            )
        elif kind == "vote":
            _, item, who, choice = step
            vote_cast(
                access=coordinator, item_id=items[item].pk, member_id=members[who].pk, choice=choice
            )
        elif kind == "ballot":
            _, item, order, choices = step
            for who in order:
                _run(coordinator, session, items, members, ("vote", item, who, choices[who]))
        elif kind == "conflict":
            _, item, who = step
            conflict_declare(
                access=coordinator,
                item_id=items[item].pk,
                member_id=members[who].pk,
                reason="Intérêt personnel",
            )
        else:
            _, item = step
            count = quorum(session=session)
            closed = item_close(access=coordinator, item_id=items[item].pk)
            # The avis was made with the quorum as it stood at that moment.
            assert count.reached or session.second_convocation
            assert (closed.quorum_counted, closed.quorum_needed) == (count.counted, count.needed)
    except CommissionError:
        pass


def _check(session: Session, second_convocation: bool) -> None:
    # The seat is derived from whose vote it is (a substitute's is their titular's), not read
    # from the column the service writes.
    seats: dict[tuple[int, int], int] = {}
    for item_id, member_id, titular_id in Vote.objects.filter(item__session=session).values_list(
        "item_id", "member_id", "member__titular_id"
    ):
        key = (item_id, titular_id or member_id)
        seats[key] = seats.get(key, 0) + 1
    assert all(n == 1 for n in seats.values()), "a seat voted twice"
    for item in AgendaItem.objects.filter(session=session):
        if item.avis:
            assert item.closed_at is not None
            assert second_convocation or (item.quorum_counted or 0) >= (item.quorum_needed or 1)
            cast = (item.votes_for or 0) + (item.votes_against or 0) + (item.abstentions or 0)
            assert cast <= 8  # never more votes than seats
