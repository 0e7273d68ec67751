"""parcours.reporting.trends: France figures across successive releases, drawn as SVG bars."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from parcours.reporting.models import Disclosure, PublishedFigure, Release
from parcours.reporting.trends import BOTTOM, HEIGHT, TOP, chart, france_trends

BASELINE = HEIGHT - BOTTOM


def release(year: int, kind: str = "year", status: str = "published") -> Release:
    start = dt.date(year, 1, 1)
    return Release.objects.create(
        period_kind=kind,
        period_start=start,
        period_end=dt.date(year, 12, 31),
        snapshot_on=dt.date(year, 12, 31),
        status=status,
        started_at=dt.datetime(year + 1, 1, 2, tzinfo=dt.UTC),
        published_at=dt.datetime(year + 1, 1, 2, tzinfo=dt.UTC),
    )


def france(of: Release, shown: str, indicator: str = "persons_in_pathway") -> PublishedFigure:
    if shown == "s":
        extra: dict[str, Any] = {"disclosure": Disclosure.SUPPRESSED}
    elif "–" in shown:
        low, high = (int(v) for v in shown.split("–"))
        extra = {"disclosure": Disclosure.BANDED, "band_low": low, "band_high": high}
    else:
        extra = {"disclosure": Disclosure.EXACT, "value": int(shown)}
    return PublishedFigure.objects.create(
        release=of, level="france", code="FR", indicator=indicator, shown=shown, **extra
    )


def test_an_exact_figure_is_a_bar_from_zero_to_its_value(db: None) -> None:
    r = release(2024)
    [bar] = chart(code="persons_in_pathway", series=[(r, france(r, "200"))]).bars
    assert (bar.kind, bar.shown, bar.period) == ("exact", "200", "2024")
    assert bar.top == TOP and bar.top + bar.height == BASELINE  # 200 is the axis' top


def test_a_banded_figure_is_drawn_as_its_band_never_as_a_point(db: None) -> None:
    r1, r2 = release(2023), release(2024)
    trend = chart(code="exits", series=[(r1, france(r1, "6–10")), (r2, france(r2, "20"))])
    band = trend.bars[0]
    assert band.kind == "banded" and band.shown == "6–10"
    per_unit = (BASELINE - TOP) / 20
    assert band.top == round(BASELINE - 10 * per_unit)
    assert band.top + band.height == round(BASELINE - 6 * per_unit)


def test_a_secret_or_missing_figure_is_not_drawn(db: None) -> None:
    r1, r2 = release(2023), release(2024)
    trend = chart(code="exits", series=[(r1, france(r1, "s")), (r2, None)])
    assert [(b.kind, b.shown, b.height) for b in trend.bars] == [
        ("suppressed", "s", 0),
        ("missing", "—", 0),
    ]


@pytest.mark.parametrize(
    ("highest", "labels"),
    [(0, ["0", "1"]), (5, ["0", "2", "4", "6"]), (191, ["0", "50", "100", "150", "200"])],
)
def test_the_axis_has_round_ticks_up_to_the_highest_figure(
    db: None, highest: int, labels: list[str]
) -> None:
    r = release(2024)
    trend = chart(code="exits", series=[(r, france(r, str(highest)))])
    assert [t.label for t in trend.ticks] == labels


def test_trends_follow_published_releases_of_the_same_kind_up_to_the_one_shown(
    db: None, django_assert_num_queries: Any
) -> None:
    r22, r23, r24, r25 = release(2022), release(2023), release(2024), release(2025)
    quarter = release(2024, kind="quarter")
    running = release(2021, status="running")
    for r, shown in ((r22, "150"), (r23, "1–5"), (r24, "191"), (r25, "12"), (quarter, "99")):
        france(r, shown)
    france(running, "77")
    with django_assert_num_queries(2):
        trends = france_trends(release=r24)
    persons = next(t for t in trends if t.code == "persons_in_pathway")
    assert [(b.period, b.shown) for b in persons.bars] == [
        ("2022", "150"),
        ("2023", "1–5"),
        ("2024", "191"),
    ]
    afis = next(t for t in trends if t.code == "afis_beneficiaries")
    assert {b.kind for b in afis.bars} == {"missing"}
    assert "2023 : 1–5" in persons.summary
