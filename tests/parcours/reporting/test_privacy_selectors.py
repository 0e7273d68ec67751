"""reporting/privacy_selectors.py: the noisy figures as the open data reads them, with their
margins, and the départements' breakdowns where the exact release suppresses cells."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from parcours.reporting.models import PublishedFigure
from parcours.reporting.privacy import BREAKDOWNS, TOTALS
from parcours.reporting.privacy_selectors import (
    Noisy,
    dp_breakdown_tables,
    dp_figure_rows,
    dp_release,
    dp_release_open,
)
from tenants.statistics import extraction as x
from tenants.statistics.services import release_run_sync

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]


def test_the_2024_release_at_epsilon_1_states_france_margins_far_under_a_quarter_of_500(
    dp_release_2024: Any,
) -> None:
    """The issue's measure on the release itself, by the margins stored with its ledger line
    (a draw is random, its stated spread is not): every France figure of 500 or more is within
    25 % of the truth 95 times in 100 when its margin is under 125; here it is 45, under 10 %."""
    dp = dp_release(release=dp_release_2024)
    assert dp is not None
    assert set(dp.france.values) == set(TOTALS)
    for noisy in dp.france.values.values():
        assert noisy.margin is not None and noisy.margin < 0.1 * 500
    assert dp.level("france")["half_width_95"] == 45
    assert dp.level("region")["half_width_95"] == 90
    assert dp.level("departement")["half_width_95"] == 22
    assert {row.code for row in dp.regions} == {"11", "76", "93"}


def test_a_figure_reads_with_its_margin_and_its_interval_never_below_zero() -> None:
    assert str(Noisy(903, 45)) == "903\u202f±\u202f45"
    assert (Noisy(903, 45).low, Noisy(903, 45).high) == (858, 948)
    assert (Noisy(3, 22).low, Noisy(3, 22).high) == (0, 25)
    assert str(Noisy(7, None)) == "7" and Noisy(7, None).low is None


def test_the_breakdown_tables_replace_only_the_suppressed_cells(dp_release_2024: Any) -> None:
    dp = dp_release(release=dp_release_2024)
    assert dp is not None
    published = {
        (f.code, f.dimension, f.category): f
        for f in PublishedFigure.objects.filter(
            release=dp_release_2024, level="departement", indicator=x.PERSONS_IN_PATHWAY
        )
    }
    tables = dp_breakdown_tables(dp=dp)
    assert [(t.indicator.code, t.dimension.code) for t in tables] == list(BREAKDOWNS)
    noisy = exact = 0
    for table in tables:
        assert table.margin == 22
        for row in table.rows:
            assert row.total == published[(row.code, "", "")].shown
            for cell in row.cells:
                figure = published.get((row.code, table.dimension.code, cell.category))
                if cell.noisy is not None:
                    assert figure is not None and figure.disclosure == "suppressed"
                    key = (row.code, x.PERSONS_IN_PATHWAY, table.dimension.code, cell.category)
                    assert cell.noisy == dp.cells[key] and cell.shown == str(cell.noisy)
                    noisy += 1
                else:
                    assert cell.shown == (figure.shown if figure else "—")
                    assert figure is None or figure.disclosure != "suppressed"
                    exact += 1
            assert any(cell.noisy for cell in row.cells)  # a row only where noise adds
    assert noisy > 0 and exact > 0


def test_every_noisy_figure_is_listed_once_france_first(dp_release_2024: Any) -> None:
    dp = dp_release(release=dp_release_2024)
    assert dp is not None
    rows = dp_figure_rows(dp=dp)
    assert len(rows) == len({row[:5] for row in rows}) == len(TOTALS) * 4 + len(dp.cells)
    assert [row[0] for row in rows[: len(TOTALS)]] == ["france"] * len(TOTALS)


def test_the_open_data_reads_the_noisy_figures_of_the_release_it_shows(
    dp_release_2024: Any,
) -> None:
    quarter = release_run_sync(
        period_kind="quarter",
        period_start=dt.date(2024, 10, 1),
        actor_id=None,
        dp_epsilon=Decimal("0.5"),
    )
    plain = release_run_sync(period_kind="year", period_start=dt.date(2023, 1, 1), actor_id=None)
    shown = dp_release_open(release=dp_release_2024)
    assert shown is not None and shown.release == dp_release_2024
    shown = dp_release_open(release=quarter)
    assert shown is not None and shown.release == quarter
    # A release without noisy figures: the newest noisy one, which states its own period.
    shown = dp_release_open(release=plain)
    assert shown is not None and shown.release in {quarter, dp_release_2024}
