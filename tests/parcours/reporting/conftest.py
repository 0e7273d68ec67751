"""A small national picture: three provisioned départements seeded like 31/12/2024."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.parcours.reporting.attacker import Figure

SMALL_2024 = {"31": 39, "75": 148, "13": 4}


@pytest.fixture
def seeded(db: None, base: None) -> dict[str, int]:
    from parcours.reporting.seeding import national_figures_seed

    national_figures_seed(distribution=SMALL_2024)
    return SMALL_2024


@pytest.fixture
def release_2024(seeded: dict[str, int]):  # type: ignore[no-untyped-def]
    from parcours.reporting.services import release_run_sync

    return release_run_sync(period_kind="year", period_start=dt.date(2024, 1, 1), actor_id=None)


@pytest.fixture
def dp_release_2024(seeded: dict[str, int]):  # type: ignore[no-untyped-def]
    """The 2024 release with differentially private figures at ε = 1 (half the default budget)."""
    from decimal import Decimal

    from parcours.reporting.services import release_run_sync

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
    ]
