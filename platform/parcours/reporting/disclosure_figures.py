"""How one figure is shown: the release's rules, exact figures, bands, ranges and secrets.

Pure, no database; the method is explained in `disclosure.py`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from parcours.reporting.disclosure_audit import DisclosureError

SUPPRESSED_MARK = "s"
DASH = "–"  # an en dash, as the State writes its bands
FRANCE = "FR"
# Départements before régions before France, where a choice is made by level.
LEVEL_ORDER = {"departement": 0, "region": 1, "france": 2}


@dataclass(frozen=True)
class Rules:
    """The rules a release applies: k (a dated legal parameter) and the width of the bands."""

    k: int
    band_width: int

    def __post_init__(self) -> None:
        # A band one value wide would publish a small count exactly.
        if self.k < 3 or self.band_width < 2:
            raise ValueError("k must be at least 3 and bands at least 2 wide")

    @property
    def bands(self) -> tuple[tuple[int, int], ...]:
        """Bands covering 1..k-1: with k = 11 and a width of 5, (1, 5) and (6, 10)."""
        return tuple(
            (low, min(low + self.band_width - 1, self.k - 1))
            for low in range(1, self.k, self.band_width)
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "band_width": self.band_width,
            "bands": [list(b) for b in self.bands],
            "management": "bands below k, exact from k, zeros shown",
            "totals": "région and France exact unless that narrows a band, else a range",
            "breakdowns": "cells 1..k-1 suppressed, complementary suppression, audited",
            "flows": "published in year releases only (against differencing)",
        }


@dataclass(frozen=True)
class Shown:
    """A figure as the public sees it."""

    disclosure: str  # "exact", "banded" or "suppressed" (models.Disclosure)
    shown: str
    value: int | None = None
    low: int | None = None
    high: int | None = None


def exact(value: int) -> Shown:
    return Shown("exact", str(value), value=value, low=value, high=value)


SUPPRESSED = Shown("suppressed", SUPPRESSED_MARK)


def banded(value: int, *, rules: Rules) -> Shown:
    """A management figure: zero and k upwards exactly, the rest as its band."""
    if value < 0:
        raise DisclosureError("a count cannot be negative")
    if value == 0 or value >= rules.k:
        return exact(value)
    for low, high in rules.bands:
        if low <= value <= high:
            return Shown("banded", f"{low}{DASH}{high}", low=low, high=high)
    raise AssertionError("bands cover 1..k-1")  # pragma: no cover


# A figure's place: (level, code, dimension, category); margins have "" for both.
Key = tuple[str, str, str, str]


def ranged(low: int, high: int) -> Shown:
    """A total published as the sum of its parts' published intervals ("31–35")."""
    if low == high:
        return exact(low)
    return Shown("banded", f"{low}{DASH}{high}", low=low, high=high)


def rollup(values: Mapping[str, int], region_of: Mapping[str, str]) -> dict[Key, int]:
    out: dict[Key, int] = {}
    regions: dict[str, int] = defaultdict(int)
    for code, value in values.items():
        out[("departement", code, "", "")] = value
        regions[region_of[code]] += value
    for region, value in regions.items():
        out[("region", region, "", "")] = value
    out[("france", FRANCE, "", "")] = sum(values.values())
    return out


def percentile_days(histogram: Mapping[int, int], *, share: float) -> int:
    """The nearest-rank percentile of a histogram {days: count}: the least value with at least
    `share` of the counts at or below it."""
    total = sum(histogram.values())
    if total <= 0:
        raise DisclosureError("no value to take a percentile of")
    needed = share * total
    running = 0
    for days in sorted(histogram):
        running += histogram[days]
        if running >= needed:
            return days
    raise AssertionError("the running sum reaches the total")  # pragma: no cover
