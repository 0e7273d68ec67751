"""tenants.statistics.status: the commission as it stands on a day, computed in its schema."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from parcours.accounts.models import User
from tenants.commission.models import Member, Session, SessionStatus
from tenants.statistics.status import commission_facts
from tests.parcours.reporting.oversight_factories import COLLEGES

TODAY = dt.date(2026, 6, 15)
NOW = dt.datetime(2026, 6, 15, 10, tzinfo=dt.UTC)
# The colleges of the national nomenclature that sit on files, as the oversight's tests list them.
SITTING_ON_FILES = COLLEGES


def seat(college: str, *, start: dt.date, end: dt.date, chair: bool = False, n: int = 0) -> Member:
    user = User.objects.create_user(
        email=f"{college}{n}-{start:%Y%m%d}@membres.test",
        password=None,
        first_name="Hortense",
        last_name=f"Vasseur-{college}",
    )
    return Member.objects.create(
        user=user,
        college=college,
        is_chair=chair,
        arrete_reference="Arrêté 31-2024-07",
        arrete_on=start,
        mandate_start=start,
        mandate_end=end,
    )


@pytest.fixture
def composed(in31) -> None:  # type: ignore[no-untyped-def]
    """Every college that sits on files has its titular, the chair in the DDETS', except the
    judicial police's; mandates from 2024 to 2027."""
    for college in SITTING_ON_FILES:
        if college != "police_judiciaire":
            seat(college, start=dt.date(2024, 7, 1), end=dt.date(2027, 6, 30))
    seat("ddets", start=dt.date(2024, 7, 1), end=dt.date(2027, 6, 30), chair=True, n=1)


def test_a_vacant_college_is_named_by_its_code_and_the_seats_counted(composed) -> None:
    facts = commission_facts(today=TODAY, now=NOW)
    assert facts.colleges_without_titular == ["police_judiciaire"]
    # The chair holds a second seat of the DDETS, whose one seat the titular already fills.
    assert facts.seats == 11 and facts.seats_filled == 10
    assert facts.colleges["police_judiciaire"] == [1, 0]
    assert facts.titulars == 10 and facts.chair_in_office
    assert facts.mandates_ending == 0


def test_a_mandate_ending_within_90_days_counts_unless_a_successor_is_appointed(
    composed,
) -> None:
    soon = TODAY + dt.timedelta(days=30)
    Member.objects.filter(college__in=["magistrat", "medecin"]).update(mandate_end=soon)
    seat("medecin", start=soon + dt.timedelta(days=1), end=dt.date(2029, 7, 15), n=2)
    facts = commission_facts(today=TODAY, now=NOW)
    assert facts.mandates_ending == 1  # the magistrate's seat; the physician has a successor
    # A mandate ending beyond the horizon is not counted yet.
    Member.objects.filter(college="magistrat").update(mandate_end=TODAY + dt.timedelta(days=91))
    assert commission_facts(today=TODAY, now=NOW).mandates_ending == 0


def test_a_member_who_left_early_leaves_the_college_vacant_and_the_chair_counts_apart(
    composed,
) -> None:
    Member.objects.filter(college="gendarmerie").update(ended_on=TODAY - dt.timedelta(days=3))
    Member.objects.filter(is_chair=True).update(ended_on=TODAY)
    facts = commission_facts(today=TODAY, now=NOW)
    assert facts.colleges_without_titular == ["gendarmerie", "police_judiciaire"]
    assert not facts.chair_in_office


def test_sessions_of_the_year_and_of_the_last_12_months_against_the_minimum(in31) -> None:  # type: ignore[no-untyped-def]
    def session(day: dt.date, status: str, **fields: object) -> None:
        Session.objects.create(
            starts_at=dt.datetime.combine(day, dt.time(14), tzinfo=dt.UTC), status=status, **fields
        )

    session(dt.date(2025, 5, 20), SessionStatus.CLOSED)  # over a year ago
    session(dt.date(2025, 9, 1), SessionStatus.CLOSED)
    session(dt.date(2026, 2, 10), SessionStatus.CLOSED)
    carence = dt.datetime(2026, 3, 3, 14, 30, tzinfo=dt.UTC)
    session(dt.date(2026, 3, 3), SessionStatus.CLOSED, carence_at=carence)
    session(dt.date(2026, 7, 1), SessionStatus.CONVENED)
    session(dt.date(2026, 9, 15), SessionStatus.PLANNED)  # not convened yet
    session(dt.date(2027, 1, 12), SessionStatus.CONVENED)  # next year
    facts = commission_facts(today=TODAY, now=NOW)
    assert facts.sessions_minimum == 2  # in force from 1 January 2026
    assert facts.sessions_held_year == 2
    assert facts.sessions_without_quorum_year == 1
    assert facts.sessions_held_12_months == 3
    assert facts.last_session_on == dt.date(2026, 3, 3)
    assert facts.next_session_on == dt.date(2026, 7, 1)
    assert facts.sessions_convened_rest_of_year == 1
    assert commission_facts(today=dt.date(2025, 6, 15), now=NOW).sessions_minimum is None


def test_a_commission_nobody_was_appointed_to(in31) -> None:  # type: ignore[no-untyped-def]
    facts = commission_facts(today=TODAY, now=NOW)
    assert facts.titulars == facts.seats_filled == 0 and not facts.chair_in_office
    assert facts.colleges_without_titular == SITTING_ON_FILES
    assert facts.last_session_on is None and facts.next_session_on is None


def test_only_codes_counts_and_days_leave_the_schema(composed) -> None:
    names = {
        value
        for user in User.objects.filter(email__endswith="@membres.test")
        for value in (user.first_name, user.last_name, user.email)
    }
    assert "Vasseur-magistrat" in names  # the members and their names are there to leak
    facts = commission_facts(today=TODAY, now=NOW)
    written = repr(dataclasses.asdict(facts))
    assert not any(name in written for name in names)
    assert "Hortense" not in written and "Arrêté" not in written
