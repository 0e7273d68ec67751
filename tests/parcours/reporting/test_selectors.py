"""Reads of published releases: the oversight of the commissions."""

from __future__ import annotations

import datetime as dt

from parcours.reporting.selectors import dashboard, oversight, sessions_minimum
from parcours.reporting.services import release_run_sync


def test_sessions_are_facts_about_the_institution_published_exactly(release_2024) -> None:
    figures = release_2024.figures.filter(indicator="sessions_held", dimension="")
    assert figures.exists()
    assert not figures.exclude(disclosure="exact").exists()


def test_no_yearly_minimum_of_sessions_before_the_2025_decree(release_2024) -> None:
    # The minimum of two meetings a year dates from the décret of 30 December 2025.
    assert sessions_minimum(release=release_2024) is None
    rows = oversight(board=dashboard(release=release_2024))
    assert all(r.below_minimum == (r.sessions_held == 0) for r in rows)


def test_a_commission_below_the_legal_minimum_needs_attention(seeded, tenant31) -> None:
    from parcours.db import connection
    from tenants.commission.models import Session, SessionStatus

    connection.set_tenant(tenant31)
    Session.objects.create(
        starts_at=dt.datetime(2026, 3, 10, 14, tzinfo=dt.UTC), status=SessionStatus.CLOSED
    )
    connection.set_schema_to_public()
    release = release_run_sync(
        period_kind="quarter", period_start=dt.date(2026, 1, 1), actor_id=None
    )
    assert sessions_minimum(release=release) is None  # a yearly minimum says nothing of a quarter
    rows = {r.code: r for r in oversight(board=dashboard(release=release))}
    assert rows["31"].sessions_held == 1 and not rows["31"].below_minimum
    assert rows["75"].below_minimum and rows["75"].needs_attention
    # The same rows over a year of 2026 would hold Haute-Garonne to two sessions.
    release.period_kind = "year"
    release.period_end = dt.date(2026, 12, 31)
    assert sessions_minimum(release=release) == 2
    rows = {r.code: r for r in oversight(board=dashboard(release=release))}
    assert rows["31"].below_minimum and rows["31"].needs_attention


def test_the_oversight_names_the_colleges_without_a_titular(release_2024) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    board = dashboard(release=release_2024)
    with CaptureQueriesContext(connection) as queries:
        rows = {r.code: r for r in oversight(board=board)}
    # The seeded départements have no member: every college that sits on files is listed.
    assert rows["31"].colleges_without_titular == len(rows["31"].colleges_missing) >= 10
    assert all(not name.islower() for name in rows["31"].colleges_missing)  # labels, not codes
    assert len(queries) <= 3  # the legal minimum, the college names, the missing colleges
    facts = release_2024.figures.filter(indicator="colleges_without_titular", dimension="college")
    assert not facts.exclude(level="departement").exists()
    assert not facts.exclude(disclosure="exact").exists()


def test_the_oversight_sets_the_seats_filled_against_the_composition(seeded, tenant31) -> None:
    from parcours.accounts.models import User
    from parcours.db import connection
    from tenants.commission.models import CollegeSetting, Member

    connection.set_tenant(tenant31)
    CollegeSetting.objects.create(college="associations", titular_seats=3)
    CollegeSetting.objects.create(college="magistrat", titular_seats=1)
    for n, college in enumerate(["associations", "magistrat", "magistrat"]):
        Member.objects.create(
            user=User.objects.create_user(email=f"membre{n}@test.parcours", password=None),
            college=college,
            arrete_reference="Arrêté 2024-1",
            arrete_on=dt.date(2024, 1, 2),
            mandate_start=dt.date(2024, 1, 2),
            mandate_end=dt.date(2027, 1, 1),
        )
    connection.set_schema_to_public()
    release = release_run_sync(period_kind="year", period_start=dt.date(2024, 1, 1), actor_id=None)

    rows = {r.code: r for r in oversight(board=dashboard(release=release))}
    here = rows["31"]
    # Eleven colleges sit on files: one seat each unless set, three for the associations.
    assert here.seats == 13
    # A second magistrate does not fill a vacant association seat.
    assert here.seats_filled == 2 and here.seats_vacant == 11
    # Named with their count where a titular sits; the colleges without one are named apart.
    assert here.colleges_incomplete == ["Associations agréées (1/3)"]
    assert "Gendarmerie nationale" in here.colleges_missing
    assert here.needs_attention
    # A commission nobody was appointed to: every seat of the eleven colleges is vacant.
    assert rows["75"].seats_filled == 0 and rows["75"].seats == 11
    seats = release.figures.filter(indicator="composition_seats", level="france", dimension="")
    assert seats.get().value == sum(r.seats for r in rows.values())
