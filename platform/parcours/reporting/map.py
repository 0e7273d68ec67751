"""A map of France by département drawn on the server: one square tile per département, placed
near its préfecture on a grid (a tile-grid map: every département the same size, so small ones
stay visible), overseas départements as insets. Colours are the published bands; the page
always gives the same figures as a table."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from parcours.reporting.models import PublishedFigure

# Préfecture positions (degrees); the grid is in degrees of latitude, longitudes scaled.
_POSITIONS = Path(__file__).parent / "data" / "map_positions.csv"
_CELL = 0.5
_SCALE = math.cos(math.radians(46.5))
_OVERSEAS = ["971", "972", "973", "974", "976"]
TILE = 30  # pixels

# (lowest value, label, fill, text colour): the State's classes for the PSP figures.
CLASSES = [
    (0, "0", "#f6f6f6", "#161616"),
    (1, "1 à 5", "#e3e3fd", "#161616"),
    (6, "6 à 10", "#a1a1f8", "#161616"),
    (11, "11 à 20", "#6a6af4", "#ffffff"),
    (21, "plus de 20", "#000091", "#ffffff"),
]
MISSING = ("non inclus", "#ffffff", "#666666")
SECRET = ("secret statistique", "#cecece", "#161616")
# Figures that are not counts of persons (days, euros) are coloured by the quartiles of the
# published département values instead of the State's bands.
_QUARTILE_FILLS = [("#e3e3fd", "#161616"), ("#a1a1f8", "#161616"), ("#6a6af4", "#ffffff")]
_QUARTILE_FILLS.append(("#000091", "#ffffff"))
Class = tuple[int, str, str, str]


def classes_for(*, unit: str, figures: list[PublishedFigure | None]) -> list[Class]:
    """The colour classes of a map: the State's bands for counts, quartiles for the rest."""
    if not unit:
        return CLASSES
    values = sorted(f.value for f in figures if f is not None and f.value is not None)
    if not values:
        return []
    cuts = sorted({values[len(values) * i // 4] for i in range(4)})
    out: list[Class] = []
    for index, low in enumerate(cuts):
        high = cuts[index + 1] - 1 if index + 1 < len(cuts) else None
        label = f"{low} à {high} {unit}" if high is not None and high > low else f"{low} {unit}"
        if high is None:
            label = f"{low} {unit} ou plus" if len(cuts) > 1 else f"{low} {unit}"
        fill, text = _QUARTILE_FILLS[index]
        out.append((low, label, fill, text))
    return out


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    x: int
    y: int
    shown: str
    fill: str
    text: str


@lru_cache(maxsize=1)
def grid() -> dict[str, tuple[int, int]]:
    """Grid cell of each metropolitan département: the free cell nearest its préfecture,
    the densest places first so that they keep their own position."""
    with _POSITIONS.open(encoding="utf-8") as handle:
        points = {
            row["code"]: (float(row["longitude"]) * _SCALE, float(row["latitude"]))
            for row in csv.DictReader(handle)
        }
    west = min(x for x, _ in points.values())
    north = max(y for _, y in points.values())
    wanted = {code: ((x - west) / _CELL, (north - y) / _CELL) for code, (x, y) in points.items()}

    def crowding(code: str) -> float:
        x, y = wanted[code]
        return -sum(1 for ox, oy in wanted.values() if abs(ox - x) < 1.5 and abs(oy - y) < 1.5)

    taken: dict[tuple[int, int], str] = {}
    for code in sorted(wanted, key=lambda c: (crowding(c), c)):
        x, y = wanted[code]
        cells = ((round(x) + dx, round(y) + dy) for dx in range(-4, 5) for dy in range(-4, 5))
        best = min(
            (cell for cell in cells if cell not in taken),
            key=lambda cell: ((cell[0] - x) ** 2 + (cell[1] - y) ** 2, cell),
        )
        taken[best] = code
    positions = {code: cell for cell, code in taken.items()}
    bottom = max(y for _, y in positions.values()) + 2
    for index, code in enumerate(_OVERSEAS):
        positions[code] = (index * 2, bottom)
    return positions


def _colour(figure: PublishedFigure | None, classes: list[Class]) -> tuple[str, str, str]:
    if figure is None:
        return MISSING
    if figure.disclosure == "suppressed":
        return figure.shown, SECRET[1], SECRET[2]
    low = figure.value if figure.value is not None else figure.band_low
    if low is None or not classes:
        return MISSING
    chosen = classes[0]
    for entry in classes:
        if low >= entry[0]:
            chosen = entry
    return figure.shown, chosen[2], chosen[3]


def tiles(
    *, rows: list[tuple[str, str, PublishedFigure | None]], classes: list[Class] = CLASSES
) -> list[Tile]:
    """One tile per département given as (code, name, figure of the chosen indicator)."""
    positions = grid()
    out = []
    for code, name, figure in rows:
        if code not in positions:
            continue
        shown, fill, text = _colour(figure, classes)
        x, y = positions[code]
        out.append(Tile(code, name, x * TILE, y * TILE, shown, fill, text))
    return out


def size() -> tuple[int, int]:
    positions = grid().values()
    return (
        (max(x for x, _ in positions) + 1) * TILE,
        (max(y for _, y in positions) + 1) * TILE,
    )
