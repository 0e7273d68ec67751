"""The national history seeded for all 101 départements (2022–2024) and what the releases
compute from it: a module of its own, since its build (every département provisioned, committed)
must not be around while the small-seed tests run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from infra.dev.seeding.national import national_figures_seed
from parcours.reporting.models import Release
from tenants.casework.models import Person

# The national history: every département provisioned and seeded once for the module, committed
# (101 schemas exceed what one transaction may lock), then released as `make run` does; the
# schemas are dropped and the national tables emptied afterwards, as after any committed test
# (`base` rebuilds the three test départements).


@pytest.fixture(scope="module")
def national(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[int, Release]]:
    from django.core.management import call_command

    from tenants.casework.crypto import forget_keys
    from tenants.statistics.services import release_run_sync
    from tests.conftest import _base_is_complete, _build_base
    from tests.parcours.reporting.published import captured_extractions

    with django_db_blocker.unblock():
        if not _base_is_complete():
            _build_base()
        try:
            call_command("provision", all=True, verbosity=0)
            national_figures_seed()
            with captured_extractions() as seen:
                releases = {
                    year: release_run_sync(
                        period_kind="year", period_start=dt.date(year, 1, 1), actor_id=None
                    )
                    for year in (2022, 2023, 2024)
                }
            # What the départements counted, summed here: France where the release shows a
            # range (an exact total would undo bands) is checked against it.
            for (_, start, _), counts in seen.items():
                TRUTH[start.year] = {}
                for rows in counts.values():
                    for indicator, dimension, _, value in rows:
                        if not dimension:
                            TRUTH[start.year][indicator] = (
                                TRUTH[start.year].get(indicator, 0) + value
                            )
            yield releases
        finally:
            connection.set_schema_to_public()
            with connection.cursor() as cursor:
                cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'dep\\_%%'")
                for (schema,) in cursor.fetchall():
                    cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')
            call_command("flush", interactive=False, verbosity=0)
            forget_keys()


TRUTH: dict[int, dict[str, int]] = {}


def france(release: Release, indicator: str) -> int:
    """France's count: the published figure, or, where it is published as a range, the
    départements' own counts summed, which the range must hold."""
    figure = release.figures.get(level="france", code="FR", indicator=indicator, dimension="")
    if figure.disclosure == "exact":
        assert figure.value is not None
        return figure.value
    truth = TRUTH[release.period_start.year][indicator]
    assert figure.band_low is not None and figure.band_high is not None
    assert figure.band_low <= truth <= figure.band_high, (figure.shown, truth)
    return truth


def by_departement(release: Release, indicator: str) -> dict[str, int]:
    return {
        f.code: f.value or 0
        for f in release.figures.filter(level="departement", indicator=indicator, dimension="")
    }


def shown_by_departement(release: Release, indicator: str) -> dict[str, str]:
    return {
        f.code: f.shown
        for f in release.figures.filter(level="departement", indicator=indicator, dimension="")
    }


@pytest.mark.parametrize(
    ("year", "persons", "first_requests", "refusals"),
    [(2022, 643, 700, 54), (2023, 845, 720, 72), (2024, 903, 469, 84)],
)
def test_each_year_release_matches_the_sourced_national_figures(
    db: None,
    national: dict[int, Release],
    year: int,
    persons: int,
    first_requests: int,
    refusals: int,
) -> None:
    release = national[year]
    assert len(release.departements_included) == 101
    assert france(release, "persons_in_pathway") == persons
    assert france(release, "first_requests") == first_requests
    assert france(release, "refusals") == refusals
    # The sources' shares: 54 of 700 (2022), 10 % (2023), 18 % of 469 (2024).
    share = 100 * france(release, "refusals") / france(release, "first_requests")
    assert round(share) == {2022: 8, 2023: 10, 2024: 18}[year]
    assert france(release, "files_pending") > 0
    assert france(release, "renewals") > 0 and france(release, "exits") > 0
    # A handful of early ends a year: banded where fewer than k.
    early = release.figures.get(level="france", indicator="early_ends", dimension="")
    assert early.shown not in ("0", "s")


def test_the_2024_stock_is_spread_as_the_sources_say(
    db: None, national: dict[int, Release]
) -> None:
    release = national[2024]
    persons = {
        f.code: f
        for f in release.figures.filter(
            level="departement", indicator="persons_in_pathway", dimension=""
        )
    }
    assert sum(1 for f in persons.values() if f.shown != "0") == 67
    assert {c: persons[c].shown for c in ("75", "69", "13", "38", "31")} == {
        "75": "148",
        "69": "89",
        "13": "49",
        "38": "39",
        "31": "39",
    }


def test_afis_beneficiaries_match_2022_and_the_cumulated_count(
    db: None,
    national: dict[int, Release],
) -> None:
    from parcours.db import connection as tenant_connection
    from parcours.departements.models import Tenant
    from tenants.casework.models import Right

    assert france(national[2022], "afis_beneficiaries") == 534
    received = 0
    for tenant in Tenant.objects.all():
        tenant_connection.set_tenant(tenant)
        received += (
            Right.objects.filter(right_type="afis", granted_on__lte=dt.date(2024, 12, 31))
            .values("person_id")
            .distinct()
            .count()
        )
    tenant_connection.set_schema_to_public()
    assert received == 1783


def test_every_departement_with_persons_has_approvals_in_force(
    db: None,
    national: dict[int, Release],
) -> None:
    for year, release in national.items():
        # Banded at this level ("1–5"): what is shown says whether there are any.
        persons = shown_by_departement(release, "persons_in_pathway")
        approvals = shown_by_departement(release, "approvals_in_force")
        with_persons = [c for c, shown in persons.items() if shown != "0"]
        assert len(with_persons) == 67 or year != 2024
        assert all(approvals[c] != "0" for c in with_persons), year
    several = national[2024].figures.get(
        level="france", indicator="associations_several_departements", dimension=""
    )
    assert several.value is not None and several.value >= 2
    # The network approved in 15 départements.
    network = by_departement(national[2024], "associations_several_departements")
    assert sum(1 for n in network.values() if n) >= 15


def test_every_commission_exists_in_2024_and_meets_as_the_sources_say(
    db: None,
    national: dict[int, Release],
) -> None:
    release = national[2024]
    titulars = by_departement(release, "commission_titulars")
    assert len(titulars) == 101 and all(n > 0 for n in titulars.values())
    sessions = by_departement(release, "sessions_held")
    assert sum(1 for n in sessions.values() if n == 0) == 23
    assert sum(1 for n in sessions.values() if n >= 2) == 62
    assert by_departement(release, "colleges_without_titular") == dict.fromkeys(titulars, 0)
    # Installed over the years: 91 at the end of 2022, 97 at the end of 2023.
    installed = [
        sum(1 for n in by_departement(national[y], "commission_titulars").values() if n)
        for y in (2022, 2023)
    ]
    assert installed == [91, 97]


def test_events_fall_in_every_quarter_of_each_year(db: None, national: dict[int, Release]) -> None:
    from parcours.db import connection as tenant_connection
    from parcours.departements.models import Tenant
    from tenants.casework.models import Dossier

    tenant_connection.set_tenant(Tenant.objects.get(code="75"))
    try:
        months = set(
            Dossier.objects.filter(kind="first_request").values_list(
                "submitted_at__year", "submitted_at__month"
            )
        )
    finally:
        tenant_connection.set_schema_to_public()
    for year in (2022, 2023, 2024):
        assert {(m - 1) // 3 for y, m in months if y == year} == {0, 1, 2, 3}, year


def test_a_few_commissions_need_action_today(db: None, national: dict[int, Release]) -> None:
    from django.utils import timezone

    from parcours.db import connection as tenant_connection
    from parcours.departements.models import Tenant
    from tenants.commission.models import Member, Session

    today = timezone.localdate()
    ended = ending = vacant = few_sessions = 0
    for tenant in Tenant.objects.all():
        tenant_connection.set_tenant(tenant)
        in_office = Member.objects.filter(mandate_start__lte=today, mandate_end__gte=today)
        successors = Member.objects.filter(mandate_start__gt=today)
        if not in_office.exists():
            ended += 1
        elif (
            in_office.filter(mandate_end__lte=today + dt.timedelta(days=90)).exists()
            and not successors.exists()
        ):
            ending += 1
        if in_office.filter(ended_on__lte=today).exists():
            vacant += 1
        if Session.objects.filter(starts_at__year=today.year).count() < 2:
            few_sessions += 1
    tenant_connection.set_schema_to_public()
    # On purpose (seeding_commissions.py); elsewhere the next arrêté is taken ahead.
    assert (ended, ending, vacant) == (3, 3, 3)
    assert 5 <= few_sessions <= 10


def test_no_personal_data_in_the_national_schema(db: None, national: dict[int, Release]) -> None:
    from parcours.accounts.models import User

    seats = User.objects.filter(email__endswith="@commission.parcours.test")
    assert seats.count() >= 101 * 13
    assert set(seats.values_list("first_name", flat=True)) == {"Siège"}


def test_the_national_seeding_is_idempotent(db: None, national: dict[int, Release]) -> None:
    from parcours.db import connection as tenant_connection
    from parcours.departements.models import Tenant
    from tenants.commission.models import Member, Session

    def counts() -> tuple[int, int, int]:
        tenant_connection.set_tenant(Tenant.objects.get(code="69"))
        try:
            return Person.objects.count(), Member.objects.count(), Session.objects.count()
        finally:
            tenant_connection.set_schema_to_public()

    before = counts()
    again = national_figures_seed()
    assert again.seeded == {} and len(again.skipped) == 67
    assert counts() == before
