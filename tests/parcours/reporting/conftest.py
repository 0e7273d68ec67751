"""A small national picture: three provisioned départements seeded like 31/12/2024."""

from __future__ import annotations

import datetime as dt

import pytest

from parcours.reporting import indicators
from tests.parcours.reporting.attacker import Figure

SMALL_2024 = {"31": 39, "75": 148, "13": 4}


@pytest.fixture
def seeded(db: None, base: None) -> dict[str, int]:
    from infra.dev.seeding.national import national_figures_seed

    national_figures_seed(distribution=SMALL_2024)
    return SMALL_2024


@pytest.fixture
def release_2024(seeded: dict[str, int]):  # type: ignore[no-untyped-def]
    from tenants.statistics.services import release_run_sync

    return release_run_sync(period_kind="year", period_start=dt.date(2024, 1, 1), actor_id=None)


@pytest.fixture
def dp_release_2024(seeded: dict[str, int]):  # type: ignore[no-untyped-def]
    """The 2024 release with differentially private figures at ε = 1 (half the default budget)."""
    from decimal import Decimal

    from tenants.statistics.services import release_run_sync

    return release_run_sync(
        period_kind="year", period_start=dt.date(2024, 1, 1), actor_id=None, dp_epsilon=Decimal(1)
    )


def as_figures(release) -> list[Figure]:  # type: ignore[no-untyped-def]
    return [
        Figure(
            f.level,
            f.code,
            f.indicator,
            f.dimension,
            f.category,
            f.disclosure,
            f.value,
            f.band_low,
            f.band_high,
        )
        for f in release.figures.all()
        # Medians and distinct counts are not sums: no equation links their levels.
        if indicators.BY_CODE[f.indicator].additive
    ]


@pytest.fixture
def report_2024(release_2024):  # type: ignore[no-untyped-def]
    """The 2024 national annual report, built (the task's function, called here)."""
    from parcours.reporting.annual_report import national_report_generate, national_report_request

    report = national_report_request(release_id=release_2024.pk, actor_id=None)
    return national_report_generate(report_id=report.pk)
