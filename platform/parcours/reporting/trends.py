"""Trend charts: the France figures of the key indicators across successive published releases
of one period kind, drawn on the server as SVG bar charts (no script, no inline style: the
Content-Security-Policy allows neither) and always given as a table with the same figures.

A banded figure is drawn as its band (a floating bar from its low to its high bound), never as
a number inside it; a suppressed one is not drawn at all. Two queries whatever the number of
releases or indicators.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from parcours.reporting import indicators
from parcours.reporting.models import Disclosure, Level, PublishedFigure, Release
from parcours.reporting.selectors import published_releases

MAX_PERIODS = 8  # beyond that, bars become too thin to read on a phone

# Geometry of one chart, in SVG user units (the chart scales with its container).
WIDTH = 360
HEIGHT = 200
LEFT = 44  # room for the axis labels
RIGHT = 8
TOP = 18  # room for the label above the highest bar
BOTTOM = 26  # room for the period labels
EXACT_FILL = "#000091"  # DSFR blue France
BAND_FILL = "#e3e3fd"
BAND_STROKE = "#000091"


@dataclass(frozen=True)
class Tick:
    y: int
    label: str


@dataclass(frozen=True)
class Bar:
    period: str
    release_id: int
    kind: str  # exact, banded, suppressed, missing
    shown: str  # as published: "191", "1–5", "s"; "—" when the release has no such figure
    disclosure: str  # its French name, for the table
    x: int  # centre of the bar's slot
    left: int
    width: int
    top: int
    height: int
    label_y: int


@dataclass(frozen=True)
class Trend:
    code: str
    label: str
    stock: bool
    bars: list[Bar]
    ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM

    @property
    def summary(self) -> str:
        """What the chart shows, in words, for its SVG title."""
        values = ", ".join(f"{bar.period} : {bar.shown}" for bar in self.bars)
        return f"{self.label}, France, par période publiée ({values})"


def _nice_step(top: int) -> int:
    """A round step (1, 2 or 5 times a power of ten) giving at most 4 intervals up to `top`."""
    raw = max(top, 1) / 4
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return max(int(factor * power), 1)
    return int(10 * power)


def _high(figure: PublishedFigure | None) -> int:
    if figure is None:
        return 0
    if figure.disclosure == Disclosure.BANDED:
        return figure.band_high or 0
    return figure.value or 0


_DISCLOSURE_LABELS = dict(Disclosure.choices)


def chart(*, code: str, series: list[tuple[Release, PublishedFigure | None]]) -> Trend:
    """Lay out one indicator's bars; pure (no query), so tested on its own."""
    indicator = indicators.BY_CODE[code]
    highest = max((_high(figure) for _, figure in series), default=0)
    step = _nice_step(highest)
    axis_top = max(step * math.ceil(highest / step), step)
    baseline = HEIGHT - BOTTOM
    plot_height = baseline - TOP

    def y(value: int) -> int:
        return round(baseline - plot_height * value / axis_top)

    slot = (WIDTH - RIGHT - LEFT) / max(len(series), 1)
    bar_width = max(min(round(slot * 0.6), 40), 4)
    bars = []
    for index, (release, figure) in enumerate(series):
        centre = round(LEFT + slot * (index + 0.5))
        kind, top, bottom = "missing", baseline, baseline
        if figure is not None and figure.disclosure == Disclosure.EXACT:
            kind, top = "exact", y(figure.value or 0)
        elif figure is not None and figure.disclosure == Disclosure.BANDED:
            kind, top, bottom = "banded", y(figure.band_high or 0), y(figure.band_low or 0)
        elif figure is not None:
            kind = "suppressed"
        bars.append(
            Bar(
                period=release.period_label,
                release_id=release.pk,
                kind=kind,
                shown=figure.shown if figure is not None else "—",
                disclosure=_DISCLOSURE_LABELS.get(figure.disclosure, "")
                if figure is not None
                else "non publié",
                x=centre,
                left=centre - bar_width // 2,
                width=bar_width,
                top=top,
                height=bottom - top,
                label_y=top - 4,
            )
        )
    ticks = [Tick(y=y(value), label=str(value)) for value in range(0, axis_top + 1, step)]
    return Trend(code=code, label=indicator.label, stock=indicator.stock, bars=bars, ticks=ticks)


def france_trends(*, release: Release, periods: int = MAX_PERIODS) -> list[Trend]:
    """The key indicators over the published releases of `release`'s period kind up to it
    (the latest `periods`), oldest first. Only published figures, at the France level."""
    releases = list(
        published_releases()
        .filter(period_kind=release.period_kind, period_end__lte=release.period_end)
        .order_by("-period_end")[:periods]
    )[::-1]
    figures = {
        (figure.release_id, figure.indicator): figure
        for figure in PublishedFigure.objects.filter(
            release__in=[r.pk for r in releases],
            level=Level.FRANCE,
            dimension="",
            indicator__in=indicators.KEY,
        )
    }
    return [
        chart(code=code, series=[(r, figures.get((r.pk, code))) for r in releases])
        for code in indicators.KEY
    ]
