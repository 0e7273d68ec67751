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

# (lowest value, label, fill, text colour): the State's classes for the PSP figures. Every text
# colour reaches a contrast of 4.5:1 on its fill (RGAA 3.2; the third blue was #6a6af4, 4.2:1).
CLASSES = [
    (0, "0", "#f6f6f6", "#161616"),
    (1, "1 à 5", "#e3e3fd", "#161616"),
    (6, "6 à 10", "#a1a1f8", "#161616"),
    (11, "11 à 20", "#4a4ad0", "#ffffff"),
    (21, "plus de 20", "#000091", "#ffffff"),
]
# Squares that carry no value, each drawn its own way so that none passes for another or for a
# 0: (label, fill, text colour). A secret cell is grey and says "s"; a département included
# whose figure has no value (a delay where no decision was taken) is hatched and says "—"; one
# not included in the release is left white with a dashed outline and no text.
MISSING = ("non inclus dans la publication", "#ffffff", "#666666")
SECRET = ("secret statistique", "#cecece", "#161616")
EMPTY = ("sans objet sur la période", "url(#parcours-hachure)", "#161616")
HATCH = "parcours-hachure"  # the SVG pattern the template defines for EMPTY
# Figures that are not counts of persons (days, euros) are coloured by the quartiles of the
# published département values instead of the State's bands.
_QUARTILE_FILLS = [("#e3e3fd", "#161616"), ("#a1a1f8", "#161616"), ("#4a4ad0", "#ffffff")]
_QUARTILE_FILLS.append(("#000091", "#ffffff"))
Class = tuple[int, str, str, str]


class Kind:
    """What a square shows: a published value or band, a secret, nothing to show, or nothing
    because the département is not in the release."""

    VALUE = "value"
    SECRET = "secret"
    EMPTY = "empty"
    EXCLUDED = "excluded"


def classes_for(*, unit: str, figures: list[PublishedFigure | None]) -> list[Class]:
    """The colour classes of a map: the State's bands for counts, quartiles for the rest.

    A 0 (no AFIS due where nobody receives it) keeps the class of its own the counts have:
    the quartiles are those of the values above 0, or half the map would share the first one."""
    if not unit:
        return CLASSES
    values = sorted(f.value for f in figures if f is not None and f.value)
    zero = [CLASSES[0]] if any(f is not None and f.value == 0 for f in figures) else []
    if not values:
        return zero
    cuts = sorted({values[len(values) * i // 4] for i in range(4)})
    out: list[Class] = zero
    for index, low in enumerate(cuts):
        high = cuts[index + 1] - 1 if index + 1 < len(cuts) else None
        label = f"{grouped(low)} {unit}"
        if high is None and len(cuts) > 1:
            label = f"{grouped(low)} {unit} ou plus"
        elif high is not None and high > low:
            label = f"{grouped(low)} à {grouped(high)} {unit}"
        fill, text = _QUARTILE_FILLS[index]
        out.append((low, label, fill, text))
    return out


@dataclass(frozen=True)
class LegendEntry:
    sample: str  # the text the squares of this entry carry ("" for the colour classes)
    label: str
    fill: str
    text: str
    kind: str


def legend(*, classes: list[Class], empty_label: str = EMPTY[0]) -> list[LegendEntry]:
    """Every way a square can look, in the order a reader needs them: the classes of values,
    then the secret, the squares without a value, and those not in the release."""
    return [
        *(LegendEntry("", label, fill, text, Kind.VALUE) for _, label, fill, text in classes),
        LegendEntry("s", SECRET[0], SECRET[1], SECRET[2], Kind.SECRET),
        LegendEntry("—", empty_label, EMPTY[1], EMPTY[2], Kind.EMPTY),
        LegendEntry("", MISSING[0], MISSING[1], MISSING[2], Kind.EXCLUDED),
    ]


def grouped(value: int) -> str:
    """An integer with its thousands set apart by a no-break space, as French writes them:
    275 783 (the space never breaks the number across lines; the narrow one, U+202F, is missing
    from the DSFR's Marianne font and shows as no space at all)."""
    return f"{value:,}".replace(",", "\u00a0")


@dataclass(frozen=True)
class Tile:
    code: str
    name: str
    x: int
    y: int
    shown: str  # as published, for the square's title: "148", "1–5", "s", "non inclus…"
    fill: str
    text: str
    label: str = ""  # what the square says under its code: "148", "1–5", "s", "—" or nothing
    kind: str = Kind.VALUE

    @property
    def centre(self) -> int:
        return self.x + (TILE - 2) // 2

    @property
    def code_y(self) -> int:
        return self.y + 11

    @property
    def label_y(self) -> int:
        return self.y + 23

    @property
    def label_size(self) -> float:
        """Long labels (thousands of euros) get a smaller font so that they stay in the square."""
        return 9.5 if len(self.label) <= 4 else 8 if len(self.label) <= 5 else 7.5


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


def _square(
    figure: PublishedFigure | None, classes: list[Class], *, included: bool, empty_label: str
) -> tuple[str, str, str, str, str]:
    """(title text, fill, text colour, label, kind) of one square."""
    if not included:
        return MISSING[0], MISSING[1], MISSING[2], "", Kind.EXCLUDED
    if figure is None:
        return empty_label, EMPTY[1], EMPTY[2], "—", Kind.EMPTY
    if figure.disclosure == "suppressed":
        return f"{figure.shown} ({SECRET[0]})", SECRET[1], SECRET[2], figure.shown, Kind.SECRET
    low = figure.value if figure.value is not None else figure.band_low
    if low is None or not classes:
        # Published as having no value: a delay where no decision was taken ("—").
        return f"— ({empty_label})", EMPTY[1], EMPTY[2], "—", Kind.EMPTY
    chosen = classes[0]
    for entry in classes:
        if low >= entry[0]:
            chosen = entry
    label = grouped(figure.value) if figure.value is not None else figure.shown
    return label, chosen[2], chosen[3], label, Kind.VALUE


def tiles(
    *,
    rows: list[tuple[str, str, PublishedFigure | None]],
    classes: list[Class] = CLASSES,
    included: set[str] | None = None,
    empty_label: str = EMPTY[0],
) -> list[Tile]:
    """One tile per département given as (code, name, figure of the chosen indicator).

    `included`: the départements of the release; one of them without a figure of the indicator
    is a square without a value, not a département left out. Without it, no figure means left
    out (the annual report's map, of a figure every included département has)."""
    positions = grid()
    out = []
    for code, name, figure in rows:
        if code not in positions:
            continue
        is_included = figure is not None if included is None else code in included
        shown, fill, text, label, kind = _square(
            figure, classes, included=is_included, empty_label=empty_label
        )
        x, y = positions[code]
        out.append(Tile(code, name, x * TILE, y * TILE, shown, fill, text, label, kind))
    return out


def size() -> tuple[int, int]:
    positions = grid().values()
    return (
        (max(x for x, _ in positions) + 1) * TILE,
        (max(y for _, y in positions) + 1) * TILE,
    )
