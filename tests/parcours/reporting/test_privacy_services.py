"""reporting/privacy_services.py: the yearly budget, reserved at a release's start, spent at its
publication, released when it fails; the noisy figures computed from the staged counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from parcours.accounts.models import Role, User
from parcours.audit.models import AuditEvent
from parcours.reporting import indicators
from parcours.reporting.models import (
    DpFigure,
    PrivacyBudget,
    PrivacySpend,
    PublishedFigure,
    Release,
    ReleaseStatus,
    SpendStatus,
    StagingCount,
)
from parcours.reporting.privacy import BREAKDOWNS, NOISED_INDICATORS, TOTALS
from parcours.reporting.privacy_services import PrivacyBudgetError, privacy_budget_set
from parcours.reporting.services import (
    release_consolidate,
    release_start,
    staging_failed,
)
from tenants.statistics.services import release_run_sync

JAN_2024 = dt.date(2024, 1, 1)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]


@pytest.fixture
def operator_id() -> int:
    return User.objects.get(memberships__role=Role.NATIONAL_OPERATOR).pk


def written() -> tuple[int, ...]:
    """Everything a DP request could write, counted."""
    return (
        Release.objects.count(),
        PrivacyBudget.objects.count(),
        PrivacySpend.objects.count(),
        DpFigure.objects.count(),
        AuditEvent.objects.count(),
    )


def committed(year: int) -> Decimal:
    return sum(
        (
            s.epsilon
            for s in PrivacySpend.objects.filter(
                budget__year=year, status__in=[SpendStatus.RESERVED, SpendStatus.SPENT]
            )
        ),
        Decimal(0),
    )


def test_a_release_with_epsilon_publishes_noisy_figures_and_spends_it(
    seeded: dict[str, int],
) -> None:
    release = release_run_sync(
        period_kind="year", period_start=JAN_2024, actor_id=None, dp_epsilon=Decimal("1")
    )
    assert release.status == ReleaseStatus.PUBLISHED
    [spend] = PrivacySpend.objects.filter(release=release)
    assert (spend.status, spend.epsilon, spend.budget.year) == (
        SpendStatus.SPENT,
        Decimal("1.000"),
        2024,
    )
    assert spend.rules["epsilon_composed"] <= 1
    assert spend.rules["departements"] == ["13", "31", "75"]
    assert [level["level"] for level in spend.rules["levels"]] == [
        "france",
        "region",
        "departement",
    ]
    figures = DpFigure.objects.filter(release=release)
    # The key totals for France and 3 régions (Occitanie, Île-de-France, PACA); every category
    # of each breakdown in the 3 départements, zeros included.
    categories = indicators.categories()
    cells = sum(len(categories[dimension]) for _, dimension in BREAKDOWNS)
    assert figures.count() == len(TOTALS) * 4 + 3 * cells
    assert {f.indicator for f in figures} == set(NOISED_INDICATORS)
    assert not figures.filter(level="departement", dimension="").exists()
    assert not figures.exclude(level="departement").exclude(dimension="").exists()
    assert all(isinstance(f.value, int) and f.value >= 0 for f in figures)
    assert all(f.spend_id == spend.pk for f in figures)
    # The banded release is untouched and the true counts are gone.
    assert PublishedFigure.objects.filter(release=release).exists()
    assert not StagingCount.objects.filter(release=release).exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="reporting.privacy_").values_list(
            "action", flat=True
        )
    )
    assert actions == ["reporting.privacy_reserved", "reporting.privacy_spent"]


def test_the_noise_is_actually_applied_to_the_published_figures(seeded: dict[str, int]) -> None:
    """At ε = 0.01 the départements' cells have a scale of 750: without noise none of them
    could exceed Paris's 148 persons; with it, none of the 54 doing so has a probability far
    below 10⁻⁶."""
    release = release_run_sync(
        period_kind="year", period_start=JAN_2024, actor_id=None, dp_epsilon=Decimal("0.01")
    )
    cells = list(
        DpFigure.objects.filter(release=release, level="departement").values_list(
            "value", flat=True
        )
    )
    assert len(cells) > 50 and any(value > max(seeded.values()) for value in cells)


def test_a_request_beyond_the_budget_is_refused_and_writes_nothing(
    seeded: dict[str, int], operator_id: int
) -> None:
    before = written()
    with pytest.raises(PrivacyBudgetError, match="insuffisant : ε demandé 2,5, reste 2 sur 2"):
        release_start(
            period_kind="year",
            period_start=JAN_2024,
            actor_id=operator_id,
            queue=False,
            dp_epsilon=Decimal("2.5"),
        )
    assert written() == before


def test_a_request_beyond_what_is_left_is_refused_after_earlier_spending(
    seeded: dict[str, int], operator_id: int
) -> None:
    release_run_sync(
        period_kind="year", period_start=JAN_2024, actor_id=operator_id, dp_epsilon=Decimal("1.5")
    )
    before = written()
    with pytest.raises(PrivacyBudgetError, match="ε demandé 0,6, reste 0,5 sur 2"):
        release_start(
            period_kind="quarter",
            period_start=dt.date(2024, 4, 1),
            actor_id=operator_id,
            queue=False,
            dp_epsilon=Decimal("0.6"),
        )
    assert written() == before


def test_the_ledger_sums_the_releases_of_a_year_and_their_periods(
    seeded: dict[str, int], operator_id: int
) -> None:
    release_run_sync(
        period_kind="year", period_start=JAN_2024, actor_id=operator_id, dp_epsilon=Decimal("1")
    )
    release_run_sync(
        period_kind="quarter",
        period_start=dt.date(2024, 10, 1),
        actor_id=operator_id,
        dp_epsilon=Decimal("0.25"),
    )
    release_run_sync(
        period_kind="month",
        period_start=dt.date(2024, 7, 1),
        actor_id=operator_id,
        dp_epsilon=Decimal("0.125"),
    )
    release_run_sync(period_kind="year", period_start=dt.date(2023, 1, 1), actor_id=None)
    assert committed(2024) == Decimal("1.375")
    assert committed(2023) == Decimal(0)
    assert not PrivacyBudget.objects.filter(year=2023).exists()  # nothing drawn on it
    spends = PrivacySpend.objects.filter(budget__year=2024)
    assert {s.requested_by_id for s in spends} == {operator_id}
    assert all(s.status == SpendStatus.SPENT and s.settled_at for s in spends)


def test_a_failed_release_releases_its_reservation(seeded: dict[str, int]) -> None:
    release = release_start(
        period_kind="year",
        period_start=JAN_2024,
        actor_id=None,
        queue=False,
        dp_epsilon=Decimal("1"),
    )
    assert committed(2024) == Decimal(1)
    for code in release.departements_expected:
        staging_failed(release_id=release.pk, code=code, error="OperationalError", queue=False)
    assert release_consolidate(release_id=release.pk).status == ReleaseStatus.FAILED
    spend = PrivacySpend.objects.get(release=release)
    assert spend.status == SpendStatus.RELEASED and spend.settled_at is not None
    assert committed(2024) == Decimal(0)
    assert not DpFigure.objects.exists()


def test_restarting_a_running_release_releases_the_earlier_reservation(
    seeded: dict[str, int],
) -> None:
    for epsilon in ("1", "0.5"):
        release_start(
            period_kind="year",
            period_start=JAN_2024,
            actor_id=None,
            queue=False,
            dp_epsilon=Decimal(epsilon),
        )
    statuses = dict(PrivacySpend.objects.values_list("epsilon", "status"))
    assert statuses == {Decimal("1.000"): "released", Decimal("0.500"): "reserved"}
    assert committed(2024) == Decimal("0.5")


def test_rerunning_a_published_release_keeps_what_was_spent(seeded: dict[str, int]) -> None:
    first = release_run_sync(
        period_kind="year", period_start=JAN_2024, actor_id=None, dp_epsilon=Decimal("0.5")
    )
    again = release_run_sync(period_kind="year", period_start=JAN_2024, actor_id=None)
    assert again.pk == first.pk
    # What was published was seen: its ε stays spent; the noisy figures of older counts go.
    assert committed(2024) == Decimal("0.5")
    assert not DpFigure.objects.filter(release=again).exists()


def test_the_operator_sets_a_years_budget_audited(operator_id: int) -> None:
    budget = privacy_budget_set(year=2025, epsilon_total="3,5", actor_id=operator_id)
    assert (budget.epsilon_total, budget.set_by_id) == (Decimal("3.500"), operator_id)
    event = AuditEvent.objects.filter(action="reporting.privacy_budget_set").latest("id")
    assert event.actor_id == operator_id
    assert event.data == {"year": 2025, "epsilon_total": "3.500", "previous": "2.000"}


def test_a_budget_below_what_is_committed_is_refused(
    seeded: dict[str, int], operator_id: int
) -> None:
    release_run_sync(
        period_kind="year", period_start=JAN_2024, actor_id=None, dp_epsilon=Decimal("1.5")
    )
    before = written()
    with pytest.raises(PrivacyBudgetError, match="inférieur à ce qui est déjà dépensé"):
        privacy_budget_set(year=2024, epsilon_total="1", actor_id=operator_id)
    assert written() == before
    privacy_budget_set(year=2024, epsilon_total="1.5", actor_id=operator_id)


@pytest.mark.parametrize(
    ("year", "total", "message"),
    [
        (2024, "-1", "strictement positif"),
        (2024, "NaN", "nombre décimal"),
        (2024, "1e9", "nombre décimal"),
        (2024, "11", "ne peut dépasser"),
        (2024, None, "nombre décimal"),
        (1999, "1", "Année hors"),
        (99999, "1", "Année hors"),
    ],
)
def test_a_hostile_budget_is_refused_in_french_and_writes_nothing(
    operator_id: int, year: int, total: Any, message: str
) -> None:
    before = written()
    with pytest.raises(PrivacyBudgetError, match=message):
        privacy_budget_set(year=year, epsilon_total=total, actor_id=operator_id)
    assert written() == before


def test_the_command_asks_for_a_noisy_release_and_refuses_a_bad_epsilon(
    seeded: dict[str, int], capsys: Any
) -> None:
    call_command("statistics_release", "--period", "2024", "--sync", "--epsilon", "0,5")
    assert PrivacySpend.objects.get().status == SpendStatus.SPENT
    with pytest.raises(CommandError, match="strictement positif"):
        call_command("statistics_release", "--period", "2024", "--sync", "--epsilon", "-1")
    with pytest.raises(CommandError, match="insuffisant"):
        call_command("statistics_release", "--period", "2024", "--sync", "--epsilon", "2")


def test_the_noise_is_added_to_the_capped_counts_never_to_the_raw_ones(
    seeded: dict[str, int], tenant31, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One person with five first requests in Haute-Garonne: the published (banded) figure
    counts the five files, the noise is calibrated to two and is added to a count of two."""
    from parcours.db import connection
    from parcours.reporting import privacy_services
    from tests.tenants.casework.conftest import one_person_files_five_first_requests

    connection.set_tenant(tenant31)
    files = one_person_files_five_first_requests(year=2024)
    connection.set_schema_to_public()

    noised: list[Any] = []
    original = privacy_services.noisy_figures

    def recording(*, truth: Any, **kwargs: Any) -> Any:
        noised.append(truth)
        return original(truth=truth, **kwargs)

    monkeypatch.setattr(privacy_services, "noisy_figures", recording)
    release = release_run_sync(
        period_kind="year", period_start=JAN_2024, actor_id=None, dp_epsilon=Decimal("1")
    )
    published = PublishedFigure.objects.get(
        release=release, level="departement", code="31", indicator="first_requests", dimension=""
    )
    assert published.value == files
    [truth] = noised
    assert truth.totals["first_requests"]["31"] == files - 3
    assert set(truth.totals) == set(TOTALS)


def test_the_breakdowns_noised_are_the_published_cells_of_every_category(
    seeded: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The truth the départements' cells are drawn around is the exact breakdown the release
    publishes (before suppression), with every category present, zeros included."""
    from parcours.reporting import privacy_services

    noised: list[Any] = []
    original = privacy_services.noisy_figures

    def recording(*, truth: Any, **kwargs: Any) -> Any:
        noised.append(truth)
        return original(truth=truth, **kwargs)

    monkeypatch.setattr(privacy_services, "noisy_figures", recording)
    release_run_sync(
        period_kind="year", period_start=JAN_2024, actor_id=None, dp_epsilon=Decimal("1")
    )
    [truth] = noised
    for _, dimension in BREAKDOWNS:
        by_code: dict[str, int] = {}
        for (code, _), value in truth.breakdowns[dimension].items():
            by_code[code] = by_code.get(code, 0) + value
        assert by_code == {code: n for code, n in seeded.items() if n}
        assert truth.categories[dimension] == [c for c, _ in indicators.categories()[dimension]]
