"""The first pass of a table's protection: complementary suppression until no hidden cell is
computed exactly from the equations, and the swaps of categories that protect a small cell
alone in its row.

Pure, no database; why this pass is not enough alone, and what the audit adds, is in
`disclosure.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from parcours.reporting.disclosure_algebra import System, disclosed_unknowns
from parcours.reporting.disclosure_audit import DisclosureError
from parcours.reporting.disclosure_figures import LEVEL_ORDER, Key


def stuck(*, system: System, cells: set[Key], unknown: set[Key], key: Key) -> bool:
    """Whether hiding `key` could never protect it: in one of its equations every other cell is
    a published zero (a row of one category under its margin). Zeros are not hidden as
    complements, so it would stay pinned whatever else is hidden."""
    for index in system.where[key]:
        others = [k for k in system.equations[index] if k != key]
        if all(k not in cells or (k not in unknown and system.values[k] == 0) for k in others):
            return True
    return False


def swap_partners(
    *,
    key: Key,
    values: Mapping[Key, int],
    categories: Sequence[str],
    by_region: Mapping[str, list[str]],
    region_of: Mapping[str, str],
) -> set[Key] | None:
    """Cells to hide so that `key` can move: ε of its unit goes to another category c2, and ε of
    another unit of the same parent comes back from c2, so every margin and total stays put.

    Counts only go down where they are positive and zeros only go up, so the attacker's
    interval for `key` is wider than a point. None when no other unit has anyone outside the
    category (then everyone included shares it, which no suppression can hide).
    """
    level, code, dimension, category = key

    def other_category(unit_level: str, unit: str) -> str | None:
        for c in categories:
            if c != category and values[(unit_level, unit, dimension, c)] > 0:
                return c
        return None

    def moved(unit_level: str, unit: str, down: str, up: str) -> set[Key]:
        cells = {(unit_level, unit, dimension, down), (unit_level, unit, dimension, up)}
        if unit_level == "region":
            # Realised by one of its départements that has someone in `down`.
            for dep in by_region[unit]:
                if values[("departement", dep, dimension, down)] > 0:
                    return cells | moved("departement", dep, down, up)
        return cells

    if level == "departement":
        region = region_of[code]
        for sibling in by_region[region]:
            c2 = other_category("departement", sibling)
            if sibling != code and c2 is not None:
                return moved(level, code, category, c2) | moved(level, sibling, c2, category)
    if level in {"departement", "region"}:
        region = region_of[code] if level == "departement" else code
        for other in sorted(by_region):
            c2 = other_category("region", other)
            if other != region and c2 is not None:
                if level == "departement":
                    own = moved(level, code, category, c2) | {
                        ("region", region, dimension, category),
                        ("region", region, dimension, c2),
                    }
                else:
                    own = moved("region", region, category, c2)
                return own | moved("region", other, c2, category)
    return None


def complete_suppression(
    *, system: System, cells: set[Key], unknown: set[Key], swapped: set[Key]
) -> None:
    """Add complementary suppressions to `unknown` until no suppressed cell is disclosed.

    The check treats hidden zeros as known (a zero can only move up, which the equations
    alone do not see), except those of a swap: every other suppressed cell must then move
    among positive cells and swaps. The cells in `swapped` move by their swap of categories.
    """

    def cost(key: Key) -> tuple[int, int, Key]:
        # The smallest count first (the least information lost), départements before régions.
        return (system.values[key], LEVEL_ORDER[key[0]], key)

    while True:
        # Hidden zeros of a swap count as unknowns: each of them only goes up in its swap, so
        # any solution of the equations plus enough of every swap stays non-negative.
        moving = {key for key in unknown if system.values[key] > 0 or key in swapped}
        disclosed = sorted(
            (disclosed_unknowns(equations=system.equations, unknown=moving) & cells) - swapped
        )
        if not disclosed:
            return
        touched: set[int] = set()
        added = 0
        for key in disclosed:
            equations = system.where[key]
            if touched.intersection(equations):
                continue  # a complement added in this pass may already protect it
            neighbours = {
                other
                for index in equations
                for other in system.equations[index]
                if other in cells
                and other not in unknown
                and system.values[other] > 0
                and not stuck(system=system, cells=cells, unknown=unknown, key=other)
            }
            if not neighbours:
                continue  # pinned through a chain of unknowns: the next pass looks wider
            chosen = min(neighbours, key=cost)
            unknown.add(chosen)
            added += 1
            touched.update(system.where[chosen])
            touched.update(equations)
        if added:
            continue
        # Every equation around the disclosed cells is hidden already: widen to the dimension.
        key = disclosed[0]
        rest = {
            other
            for other in cells
            if other[2] == key[2]
            and other not in unknown
            and system.values[other] > 0
            and not stuck(system=system, cells=cells, unknown=unknown, key=other)
        }
        if not rest:
            raise DisclosureError(f"{key} cannot be protected")
        unknown.add(min(rest, key=cost))
