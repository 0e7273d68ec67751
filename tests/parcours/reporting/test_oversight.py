"""parcours.reporting.oversight: which commissions need action now, why, and in what order;
and the oversight of a published release."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parcours.reporting.models import CommissionStatus
from parcours.reporting.oversight import (
    commission_overview,
    oversight,
    reasons,
    sessions_behind,
    sessions_due,
    sessions_minimum,
)
from parcours.reporting.selectors import dashboard
from tenants.statistics.services import release_run_sync
from tests.parcours.reporting.oversight_factories import COLLEGES, up_to_date

NAMES = {college: college.replace("_", " ").capitalize() for college in COLLEGES} | {
    "police_judiciaire": "Police judiciaire"
}


def texts(status: CommissionStatus) -> list[str]:
    return [reason.text for reason in reasons(status=status, college_names=NAMES)]


# Today's status: the rule of sessions, pure.


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (dt.date(2026, 1, 15), 0),
        (dt.date(2026, 7, 1), 0),  # day 182 of 365: not yet half the year
        (dt.date(2026, 7, 2), 1),
        (dt.date(2026, 12, 30), 1),
        (dt.date(2026, 12, 31), 2),
    ],
)
def test_sessions_are_due_pro_rata_of_the_year_rounded_down(day: dt.date, due: int) -> None:
    assert sessions_due(minimum=2, today=day) == due


@pytest.mark.parametrize(
    ("held", "convened", "day", "behind"),
    [
        (0, 0, dt.date(2026, 6, 15), False),  # nothing due yet in the first half
        (0, 1, dt.date(2026, 8, 1), True),  # one due since 2 July: a convocation is not a session
        (1, 0, dt.date(2026, 8, 1), False),
        (1, 0, dt.date(2026, 12, 6), True),  # last quarter, short, nothing convened
        (1, 1, dt.date(2026, 12, 6), False),  # last quarter, the second one convened
        (2, 0, dt.date(2026, 12, 6), False),
    ],
)
def test_a_commission_is_behind_pro_rata_or_short_in_the_last_quarter_with_nothing_convened(
    held: int, convened: int, day: dt.date, behind: bool
) -> None:
    assert sessions_behind(held=held, convened=convened, minimum=2, today=day) is behind


def test_without_a_legal_minimum_no_commission_is_behind() -> None:
    assert not sessions_behind(held=0, convened=0, minimum=None, today=dt.date(2025, 12, 31))


# Today's status: the reasons, pure.


def test_a_commission_with_nothing_wrong_has_no_reason() -> None:
    assert texts(up_to_date("31")) == []


def test_a_commission_with_nobody_in_mandate_says_so_once() -> None:
    status = up_to_date(
        "31",
        titulars=0,
        seats_filled=0,
        chair_in_office=False,
        colleges={college: [1, 0] for college in COLLEGES},
        colleges_without_titular=COLLEGES,
    )
    # The vacant colleges, seats and chair say nothing more than "nobody".
    assert texts(status) == ["Aucun titulaire en mandat"]


def test_each_reason_is_said_in_words_with_names_not_codes() -> None:
    status = up_to_date(
        "31",
        computed_on=dt.date(2026, 10, 17),
        colleges={**{c: [1, 1] for c in COLLEGES}, "police_judiciaire": [1, 0], "emploi": [3, 1]},
        colleges_without_titular=["police_judiciaire"],
        chair_in_office=False,
        mandates_ending=3,
        sessions_held_year=1,
        sessions_convened_rest_of_year=0,
        files_overdue=4,
        approvals_expiring=1,  # shown beside, not a reason: a renewal in its ordinary course
    )
    assert texts(status) == [
        "1 séance en 2026 sur 2 requises, aucune autre convoquée",
        "Collège vacant : Police judiciaire",
        "Aucun président en mandat",
        "Sièges vacants : Emploi (1/3)",
        "3 mandats expirent avant le 15 janvier 2027 sans successeur nommé",
        "4 dossiers hors délai",
    ]
    assert not any("police_judiciaire" in text for text in texts(status))


def test_a_year_without_a_session_comes_first_with_the_last_one_s_day() -> None:
    status = up_to_date(
        "31", sessions_held_year=0, sessions_held_12_months=0, last_session_on=dt.date(2025, 3, 12)
    )
    [reason] = reasons(status=status, college_names=NAMES)
    assert reason.text == "Aucune séance depuis le 12 mars 2025"
    assert reason.severity == 1
    never = up_to_date("31", sessions_held_year=0, sessions_held_12_months=0, last_session_on=None)
    assert texts(never) == ["Aucune séance tenue"]


# Today's status: the national read model.


@pytest.fixture
def statuses(db: None, base: None) -> None:
    CommissionStatus.objects.bulk_create(
        [
            up_to_date("75"),
            up_to_date("13", files_overdue=2),  # severity 3
            up_to_date("31", colleges_without_titular=["police_judiciaire"]),  # severity 2
            up_to_date("2A", titulars=0),  # severity 1
            up_to_date("01", mandates_ending=1),  # severity 3
            up_to_date("59", approvals_expiring=2),  # the ordinary course of a renewal
        ]
    )


def test_the_overview_lists_those_to_handle_by_severity_then_departement(statuses) -> None:
    overview = commission_overview()
    assert [row.code for row in overview.rows] == ["2A", "31", "01", "13", "59", "75"]
    assert [row.to_handle for row in overview.rows] == [True, True, True, True, False, False]
    assert overview.to_handle == 4 and overview.up_to_date == 2 and overview.not_computed == 0
    assert overview.rows[4].approvals_note == "2 agréments expirent avant le 13 septembre 2026"
    assert overview.computed_on == dt.date(2026, 6, 15) and overview.minimum == 2
    assert overview.rows[1].colleges_missing == ["Police judiciaire"]  # the nomenclature's label


def test_an_active_departement_not_computed_yet_is_listed_last_as_such(
    db: None, base: None
) -> None:
    CommissionStatus.objects.bulk_create([up_to_date("31", titulars=0)])
    rows = commission_overview().rows
    assert [row.code for row in rows] == ["31", "13", "75"]
    assert rows[1].status is None and not rows[1].to_handle
    assert [r.text for r in rows[1].reasons] == ["Situation non calculée"]


def test_the_overview_reads_as_many_queries_for_3_or_101_departements(db: None, base: None) -> None:
    from parcours.referentiel.models import Departement

    CommissionStatus.objects.bulk_create([up_to_date(code) for code in ("31", "75", "13")])
    with CaptureQueriesContext(connection) as few:
        assert len(commission_overview().rows) == 3
    codes = list(Departement.objects.values_list("code", flat=True))
    CommissionStatus.objects.bulk_create(
        [up_to_date(code, files_overdue=1) for code in codes if code not in {"31", "75", "13"}]
    )
    with CaptureQueriesContext(connection) as many:
        assert len(commission_overview().rows) == 101
    assert len(many) == len(few) <= 4


# A published release: the facts as on its day.


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
