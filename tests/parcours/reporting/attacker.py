"""The adversary of the disclosure tests: every published table of a release, its margins and
totals, as a linear program; for each suppressed cell, the smallest and largest value it can take.

It knows only what is published (exact figures, bands, the "s" of a suppressed cell) and the
geography (which département is in which région). Counts are relaxed to non-negative reals:
an interval of width zero means the cell is disclosed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scipy.optimize import linprog


@dataclass(frozen=True)
class Figure:
    level: str
    code: str
    indicator: str
    dimension: str
    category: str
    disclosure: str
    value: int | None
    band_low: int | None
    band_high: int | None

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.indicator, self.level, self.code, self.dimension, self.category)


@dataclass(frozen=True)
class Interval:
    figure: Figure
    low: float
    high: float


def attack(figures: Iterable[Figure], *, region_of: Mapping[str, str]) -> list[Interval]:
    """The interval of every suppressed cell, given every other published figure."""
    figures = list(figures)
    index = {f.key: i for i, f in enumerate(figures)}
    bounds: list[tuple[float, float | None]] = []
    for f in figures:
        if f.disclosure == "exact":
            bounds.append((f.value, f.value))
        elif f.disclosure == "banded":
            bounds.append((f.band_low, f.band_high))
        else:
            bounds.append((0, None))
    rows: list[dict[int, int]] = []

    def equation(parts: list[tuple[str, str, str, str, str]], total: tuple) -> None:
        if total not in index or not all(p in index for p in parts):
            return
        row: dict[int, int] = defaultdict(int)
        for p in parts:
            row[index[p]] += 1
        row[index[total]] -= 1
        rows.append(row)

    structure: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    places: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for f in figures:
        structure[f.indicator][f.dimension].add(f.category)
        places[f.indicator].add((f.level, f.code))
    for indicator, dimensions in structure.items():
        deps = sorted(c for level, c in places[indicator] if level == "departement")
        regions: dict[str, list[str]] = defaultdict(list)
        for code in deps:
            regions[region_of[code]].append(code)
        for dimension, categories in dimensions.items():
            cats = sorted(categories)
            for category in cats:
                for region, codes in regions.items():
                    equation(
                        [(indicator, "departement", c, dimension, category) for c in codes],
                        (indicator, "region", region, dimension, category),
                    )
                equation(
                    [(indicator, "region", r, dimension, category) for r in regions],
                    (indicator, "france", "FR", dimension, category),
                )
            if dimension == "":
                continue
            for level, code in places[indicator]:
                equation(
                    [(indicator, level, code, dimension, c) for c in cats],
                    (indicator, level, code, "", ""),
                )
    a_eq = [[row.get(i, 0) for i in range(len(figures))] for row in rows] or None
    b_eq = [0] * len(rows) or None
    intervals = []
    for i, f in enumerate(figures):
        if f.disclosure != "suppressed":
            continue
        ends = []
        for sign in (1, -1):
            c = [0] * len(figures)
            c[i] = sign
            result = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            assert result.status in (0, 3), result.message  # 3: unbounded above
            ends.append(sign * result.fun if result.status == 0 else float("inf"))
        intervals.append(Interval(f, ends[0], ends[1]))
    return intervals
