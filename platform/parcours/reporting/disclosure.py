"""Disclosure control of a release: pure functions over counts, no database.

Two regimes, as `README.md` ("National statistics") states them:

- **Management figures** (persons in pathway, requests, decisions, files, approvals) are shown
  per département, région and France; a département's count from 1 to k-1 is shown as its band
  (`1–5`, `6–10`), zero and counts from k up exactly (the State's practice for the PSP figures).
  Institution facts (sessions, the commission's composition) are not counted here: exact.
- **Breakdowns by a personal attribute** (outcome, duration in pathway, children...) are tables
  département × category rolled up to région and France, whose margins are the management
  figures. A cell from 1 to k-1 is suppressed (primary suppression); then cells are suppressed
  in addition (complementary suppression), first until no suppressed cell can be computed
  exactly from the published cells, margins and totals, then until the audit finds nothing.

**Three attackers** count (design.md): the public, with every published figure of all levels
and of every period of a year; the insider, a département that also knows its own exact figures;
the difference between releases. A disclosure is a suppressed cell whose possible values lie
inside 1..k-1 (a protection interval must include 0 or reach k, as τ-ARGUS sets one), the same
for the hidden parts of one sum together, a band narrowed below its published width, or a cell
computed exactly.

**Totals of banded figures** (`management_figures`). A région's total is the sum of its
départements', France's of its régions'. Published exactly next to bands, a total can undo them
(Corsica: 2A and 2B in `1–5`, the région's exact 10 says both are 5). The structure is laminar,
so the test is exact equation by equation: with T exact and parts in [low, high], part j keeps
its band iff T - sum of the others' highs <= low_j and T - sum of the others' lows >= high_j; the
insider i0 is the same test with its part at its value. A total that passes is exact; one that
fails is published as the range its parts' intervals add up to (`31–35`), which says nothing
the parts do not. In France's equation an exact région is one known block and a ranged one is
its départements, kept whole as a group.

**Periods.** A year's flows are the sum of its quarters' and months': published for both, a
band or a secret of one would be undone with the other. Flows are published in year releases
only (`indicators.Indicator.years_only`); a quarter or a month publishes stocks, counted on its
last day (a year and its fourth quarter publish the same cells: same day, same persons, same
secrets).

"Computed exactly" is decided exactly, not by a rule of thumb: the published figures give a
system of linear equations (each row, column and level sums to its margin); a suppressed cell
is disclosed when its unit vector lies in the row space of the equations restricted to the
suppressed cells (then every solution gives it the same value). The usual rule "each row and
column with a suppressed cell holds at least two" is the special case of an equation with one
unknown; it misses cells that several equations pin together (a bridge between two groups of
suppressed cells), which this test catches. The first pass takes the margins as known exactly
(a stronger attacker than the bands allow). It is blind to bounds (a hidden cell in 1..k-1, a
hidden sum of 2, a band narrowed) and to the insider: `disclosure_audit` sees those, on a
linear program and on the echelon form, and `_audit_and_fix` adds complements until it finds
nothing, or the table is withheld whole.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from parcours.reporting.disclosure_audit import (
    DisclosureError,
    Violation,
    insider_violations,
    public_violations,
)

SUPPRESSED_MARK = "s"
DASH = "–"  # an en dash, as the State writes its bands
FRANCE = "FR"

# The equations are solved modulo a prime: exact for the 0/±1 sum matrices of these tables
# (their minors are tiny), and a spurious "disclosed" could only suppress one cell more.
_PRIME = 2**61 - 1
_LEVEL_ORDER = {"departement": 0, "region": 1, "france": 2}
# Rounds of audit and complements before a table is withheld (each round fixes every
# disclosure found in distinct equations; real tables need two or three).
_AUDIT_ROUNDS = 30


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


def management_figures(
    *, values: Mapping[str, int], region_of: Mapping[str, str], rules: Rules
) -> dict[Key, Shown]:
    """One management indicator per département, région (of the départements given) and France.

    Départements are banded (`banded`). A région's or France's total is published exactly only
    when neither the public nor a département knowing its own exact figure can narrow a band
    with it (`_total_keeps_bands`); otherwise it is published as the range its parts' published
    intervals add up to, which says nothing the parts do not.
    """
    out: dict[Key, Shown] = {}
    by_region: dict[str, list[str]] = defaultdict(list)
    for code in sorted(values):
        out[("departement", code, "", "")] = banded(values[code], rules=rules)
        by_region[region_of[code]].append(code)

    def interval(code: str) -> tuple[int, int]:
        shown = out[("departement", code, "", "")]
        assert shown.low is not None and shown.high is not None
        return shown.low, shown.high

    # France's equation, flattened: an exact région is one known block, a ranged one is its
    # départements (its range adds no equation), and must keep its range as a group.
    france_parts: list[_Part] = []
    france_groups: list[range] = []
    france_codes: list[str] = []  # each part's département ("" for an exact région)
    for region, codes in sorted(by_region.items()):
        parts = [_Part(*interval(code), value=values[code]) for code in codes]
        total = sum(values[code] for code in codes)
        if _total_keeps_bands(total=total, parts=parts, groups=[]):
            out[("region", region, "", "")] = exact(total)
            france_parts.append(_Part(total, total, value=total))
            france_codes.append("")
        else:
            out[("region", region, "", "")] = ranged(
                sum(p.low for p in parts), sum(p.high for p in parts)
            )
            first = len(france_parts)
            france_parts.extend(parts)
            france_codes.extend(codes)
            france_groups.append(range(first, len(france_parts)))
    total = sum(values.values())
    derived = _derived_ranges(total=total, parts=france_parts, groups=france_groups)
    if derived is not None:
        out[("france", FRANCE, "", "")] = exact(total)
        # An exact France bounds the sum of a ranged région's départements by what the others
        # leave: the région is published with those bounds, what anyone can derive from the
        # others (the ends are reached: one equation over independent intervals), so the
        # public narrows no published range; each département's band stays whole.
        for group, (low, high) in zip(france_groups, derived, strict=True):
            out[("region", region_of[france_codes[group.start]], "", "")] = ranged(low, high)
    else:
        out[("france", FRANCE, "", "")] = ranged(
            sum(p.low for p in france_parts), sum(p.high for p in france_parts)
        )
    return out


def _derived_ranges(
    *, total: int, parts: Sequence[_Part], groups: Sequence[range]
) -> list[tuple[int, int]] | None:
    """France exact, if it can be: no département's band narrowed (`_total_keeps_bands`), and
    each ranged région's interval (what France and the others leave it) the same for every
    département knowing its own figure as for the public (one in another région must not
    narrow it). Returns each group's interval, or None when France must be a range."""
    if not _total_keeps_bands(total=total, parts=parts, groups=[]):
        return None

    def intervals(lows: list[int], highs: list[int]) -> list[tuple[int, int]]:
        low_sum, high_sum = sum(lows), sum(highs)
        out = []
        for group in groups:
            group_low = sum(lows[i] for i in group)
            group_high = sum(highs[i] for i in group)
            out.append(
                (
                    max(group_low, total - (high_sum - group_high)),
                    min(group_high, total - (low_sum - group_low)),
                )
            )
        return out

    lows = [p.low for p in parts]
    highs = [p.high for p in parts]
    public = intervals(lows, highs)
    for insider, part in enumerate(parts):
        if part.low == part.high:
            continue
        known = intervals(
            [part.value if i == insider else low for i, low in enumerate(lows)],
            [part.value if i == insider else high for i, high in enumerate(highs)],
        )
        for group, seen, shown in zip(groups, known, public, strict=True):
            if insider not in group and seen != shown:
                return None
    return public


@dataclass(frozen=True)
class _Part:
    """A part of a published total: its published interval (low = high when exact), its value."""

    low: int
    high: int
    value: int


def _total_keeps_bands(*, total: int, parts: Sequence[_Part], groups: Sequence[range]) -> bool:
    """Whether publishing `total` = sum of `parts` exactly narrows no part's published interval,
    nor the sum of a group of parts (a ranged région inside France), for the public or for the
    département behind any one part knowing its own value.

    Exact for one equation: knowing the total and every other part's interval, a set G of parts
    keeps its whole interval [sum of lows, sum of highs] iff
    total - sum(high of others) <= sum(low of G) and total - sum(low of others) >= sum(high of G),
    the only constraint on G being the total (the parts' intervals are independent). The insider
    i0 is the same test with i0's interval shrunk to its value.
    """
    checked = [range(i, i + 1) for i, p in enumerate(parts) if p.low < p.high] + list(groups)
    if not checked:
        return True
    insiders: list[int | None] = [None] + [i for i, p in enumerate(parts) if p.low < p.high]
    for insider in insiders:
        lows = [p.value if i == insider else p.low for i, p in enumerate(parts)]
        highs = [p.value if i == insider else p.high for i, p in enumerate(parts)]
        low_sum, high_sum = sum(lows), sum(highs)
        for group in checked:
            if insider is not None and insider in group:
                continue  # its own band, or a range holding its own figure
            group_low = sum(parts[i].low for i in group)
            group_high = sum(parts[i].high for i in group)
            others_high = high_sum - sum(highs[i] for i in group)
            others_low = low_sum - sum(lows[i] for i in group)
            if total - others_high > group_low or total - others_low < group_high:
                return False
    return True


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


@dataclass
class _System:
    values: dict[Key, int] = field(default_factory=dict)
    equations: list[dict[Key, int]] = field(default_factory=list)
    # The equations each key appears in, to find complements next to a disclosed cell.
    where: dict[Key, list[int]] = field(default_factory=lambda: defaultdict(list))

    def equation(self, plus: Iterable[Key], minus: Key) -> None:
        coefficients: dict[Key, int] = defaultdict(int)
        for key in plus:
            coefficients[key] += 1
        coefficients[minus] -= 1
        index = len(self.equations)
        self.equations.append(dict(coefficients))
        for key in coefficients:
            self.where[key].append(index)


def protect_breakdowns(
    *,
    margins: Mapping[str, int],
    breakdowns: Mapping[str, Mapping[tuple[str, str], int]],
    categories: Mapping[str, Sequence[str]],
    region_of: Mapping[str, str],
    rules: Rules,
) -> dict[Key, Shown]:
    """Breakdowns of one management indicator, protected together since they share its margins.

    `margins` maps each département included to the indicator's total there (the management
    figure, published banded); `breakdowns` maps a dimension to its cells
    {(département, category): count}, absent cells being zero. Returns every cell of every
    dimension at the three levels, exact or suppressed; the margins themselves are published
    by `management_figures`.
    """
    system = _System()
    margin_keys = rollup(margins, region_of)
    system.values.update(margin_keys)
    regions = sorted({region_of[code] for code in margins})
    by_region: dict[str, list[str]] = defaultdict(list)
    for code in sorted(margins):
        by_region[region_of[code]].append(code)
    # The margins' own sums, which the management figures publish.
    for region in regions:
        system.equation(
            [("departement", code, "", "") for code in by_region[region]],
            ("region", region, "", ""),
        )
    system.equation([("region", r, "", "") for r in regions], ("france", FRANCE, "", ""))

    cell_keys: list[Key] = []
    listed_of: dict[str, list[str]] = {}
    for dimension, cells in sorted(breakdowns.items()):
        unknown_codes = {code for code, _ in cells} - set(margins)
        if unknown_codes:
            raise DisclosureError(f"cells of {dimension} for départements without a margin")
        if len(categories[dimension]) < 2 or {c for _, c in cells} - set(categories[dimension]):
            raise DisclosureError(f"{dimension}: unknown categories, or fewer than two")
        listed = list(categories[dimension])
        listed_of[dimension] = listed
        for code in margins:
            row = sum(cells.get((code, category), 0) for category in listed)
            if row != margins[code]:
                raise DisclosureError(
                    f"{dimension} in {code}: cells sum to {row}, margin is {margins[code]}"
                )
        for category in listed:
            for code in margins:
                key = ("departement", code, dimension, category)
                system.values[key] = cells.get((code, category), 0)
                cell_keys.append(key)
            for region in regions:
                key = ("region", region, dimension, category)
                system.values[key] = sum(
                    system.values[("departement", c, dimension, category)]
                    for c in by_region[region]
                )
                cell_keys.append(key)
                system.equation(
                    [("departement", c, dimension, category) for c in by_region[region]], key
                )
            key = ("france", FRANCE, dimension, category)
            system.values[key] = sum(
                system.values[("region", r, dimension, category)] for r in regions
            )
            cell_keys.append(key)
            system.equation([("region", r, dimension, category) for r in regions], key)
        for level, codes in (("departement", sorted(margins)), ("region", regions)):
            for code in codes:
                system.equation(
                    [(level, code, dimension, c) for c in listed], (level, code, "", "")
                )
        system.equation(
            [("france", FRANCE, dimension, c) for c in listed], ("france", FRANCE, "", "")
        )

    # The margins are taken as known exactly, although a small one is published as its band:
    # bands and totals can pin a margin (two bands adding up to an exact région total), and
    # protecting against the stronger attacker covers every such case.
    all_cells = set(cell_keys)
    unknown = {key for key in all_cells if 0 < system.values[key] < rules.k}
    # A small cell alone in its row (everyone counted there shares the category) equals the
    # known margin whatever else is hidden: it is protected by hiding a swap of categories
    # with another département or région instead (see _swap_partners).
    swapped: set[Key] = set()
    for key in sorted(unknown):
        level, code, dimension, category = key
        others = [(level, code, dimension, c) for c in listed_of[dimension] if c != category]
        if any(system.values[other] > 0 for other in others):
            continue
        partners = _swap_partners(
            key=key,
            values=system.values,
            categories=listed_of[dimension],
            by_region=by_region,
            region_of=region_of,
        )
        if partners is None:
            raise DisclosureError(f"{key}: everyone included shares the category")
        unknown |= partners
        swapped |= partners | {key}  # every cell of a swap moves with it
    _complete_suppression(system=system, cells=all_cells, unknown=unknown, swapped=swapped)
    published_margins = management_figures(values=margins, region_of=region_of, rules=rules)
    _audit_and_fix(
        system=system,
        cells=all_cells,
        unknown=unknown,
        swapped=swapped,
        ranges={
            key: (shown.low, shown.high)
            for key, shown in published_margins.items()
            if shown.disclosure == "banded" and shown.low is not None and shown.high is not None
        },
        region_of=region_of,
        rules=rules,
    )
    return {key: SUPPRESSED if key in unknown else exact(system.values[key]) for key in cell_keys}


def _audit_and_fix(
    *,
    system: _System,
    cells: set[Key],
    unknown: set[Key],
    swapped: set[Key],
    ranges: Mapping[Key, tuple[int, int]],
    region_of: Mapping[str, str],
    rules: Rules,
    persons: Mapping[Key, int] | None = None,
) -> None:
    """Audit the protected table as the public and each département would attack it
    (`disclosure_audit`), and add complements until nothing is found.

    A complement is a positive published cell in an equation of the figure at fault, the
    smallest first (all of them are 0 or k and more, so any one lets the cell at fault reach 0
    or k); when its equations hold none, the equations of the suppressed cells next to it, then
    the whole dimension. Raises `DisclosureError` when nothing is left to hide (the release then
    withholds the table whole). `persons` (for amounts) are the persons behind each figure: an
    amount is not a count, the 1..k-1 rule applies to the persons behind hidden amounts.
    """
    own: dict[str, set[Key]] = defaultdict(set)
    for key in system.values:
        if key[0] == "departement":
            own[key[1]].add(key)

    def own_part(code: str, key: Key) -> Key | None:
        """The département's own figure inside `key` (a région's or France's cell)."""
        level, place, dimension, category = key
        if level == "departement" or (level == "region" and region_of[code] != place):
            return None
        return ("departement", code, dimension, category)

    def small_ok(key: Key) -> bool:
        return persons is not None

    def cost(key: Key) -> tuple[bool, int, int, Key]:
        # A cell that would be alone hidden in one of its equations is pinned at once and
        # calls for another complement: the others first, then the smallest count.
        alone = any(unknown.isdisjoint(system.equations[i]) for i in system.where[key])
        return (alone, system.values[key], _LEVEL_ORDER[key[0]], key)

    def published_positive(keys: Iterable[Key]) -> set[Key]:
        return {
            k
            for k in keys
            if k in cells
            and k not in unknown
            and system.values[k] > 0
            and not _stuck(system=system, cells=cells, unknown=unknown, key=k)
        }

    only: set[Key] | None = None  # the first round checks everything
    for _ in range(_AUDIT_ROUNDS):
        bounds: dict[Key, tuple[float, float]] = {
            key: (float(low), float(high)) for key, (low, high) in ranges.items()
        }
        bounds.update({key: (0.0, math.inf) for key in unknown})
        moving = {key for key in unknown if system.values[key] > 0 or key in swapped}
        found = public_violations(
            values=system.values,
            bounds=bounds,
            equations=system.equations,
            where=system.where,
            suppressed=set(unknown),
            k=rules.k,
            small_ok=small_ok,
            only=only,
        )
        if persons is not None:
            found += _small_persons_sums(system=system, unknown=unknown, persons=persons, k=rules.k)
        # For the insider, the margins published as bands or ranges are unknowns too (the
        # public elimination takes them as known, a stronger attacker; here that would count
        # as public what only the stronger attacker knows), its own margin known to it.
        hidden = moving | set(ranges)
        pivots = echelon(equations=system.equations, unknown=hidden)

        def learns(
            code: str,
            key: Key,
            pivots: Mapping[Key, Mapping[Key, int]] = pivots,
            hidden: set[Key] = hidden,
        ) -> bool:
            # What others hold in `key`: positive, and not computable by the public already.
            part = own_part(code, key)
            others = system.values[key] - (system.values.get(part, 0) if part else 0)
            form = {key: 1} if part is None else {key: 1, part: -1}
            return others > 0 and not determined(pivots=pivots, form=form, unknown=hidden)

        found += insider_violations(
            where=system.where,
            moving=hidden,
            own=own,
            disclosed_knowing=partial(_disclosed_knowing_of, pivots=pivots),
            learns=learns,
        )
        if not found:
            return
        before = set(unknown)
        touched: set[int] = set()
        for violation in found:
            if violation.kind == "narrowed":
                # A range is pinned by each of its rows published whole (a région's total in
                # `31–35` and the five breakdowns of its persons): one complement in each.
                # Its hidden cells, in turn, are pinned by a column where they are alone.
                for index in violation.equations:
                    terms = system.equations[index]
                    if unknown.isdisjoint(terms) and (row := published_positive(terms)):
                        unknown.add(min(row, key=cost))
                        touched.add(index)
                        continue
                    for cell in [key for key in terms if key in unknown]:
                        for column in system.where[cell]:
                            others = set(system.equations[column]) - {cell}
                            if (
                                column != index
                                and unknown.isdisjoint(others)
                                and (near := published_positive(others))
                            ):
                                unknown.add(min(near, key=cost))
                                touched.add(column)
            if touched.intersection(violation.equations):
                continue  # a complement added in this round may already protect it
            near = {k for i in violation.equations for k in system.equations[i]}
            candidates = published_positive(near)
            if not candidates:
                wider = {i for k in near if k in unknown for i in system.where[k]}
                if touched.intersection(wider):
                    continue  # as above, one step further
                candidates = published_positive(k for i in wider for k in system.equations[i])
            if not candidates:
                dimensions = {key[2] for key in violation.keys}
                candidates = published_positive(k for k in cells if k[2] in dimensions or not k[2])
            if not candidates:
                continue
            chosen = min(candidates, key=cost)
            unknown.add(chosen)
            touched.update(system.where[chosen])
            touched.update(violation.equations)
        if unknown == before:
            raise DisclosureError(f"{found[0]} cannot be protected")
        _complete_suppression(system=system, cells=cells, unknown=unknown, swapped=swapped)
        # Complements only relax the attacker's program: what was safe stays safe; check
        # what was not, and the new complements.
        only = (unknown - before) | {key for violation in found for key in violation.keys}
    raise DisclosureError("the audit still finds disclosures after every complement tried")


def _stuck(*, system: _System, cells: set[Key], unknown: set[Key], key: Key) -> bool:
    """Whether hiding `key` could never protect it: in one of its equations every other cell is
    a published zero (a row of one category under its margin). Zeros are not hidden as
    complements, so it would stay pinned whatever else is hidden."""
    for index in system.where[key]:
        others = [k for k in system.equations[index] if k != key]
        if all(k not in cells or (k not in unknown and system.values[k] == 0) for k in others):
            return True
    return False


def _small_persons_sums(
    *, system: _System, unknown: set[Key], persons: Mapping[Key, int], k: int
) -> list[Violation]:
    """Amounts: the hidden parts of an equation whose total is published add up to an exact
    amount; fewer than k persons behind them is the amount of a small group (two départements
    of 3 persons each under an exact région total)."""
    found = []
    for index, equation in enumerate(system.equations):
        totals = [key for key, c in equation.items() if c < 0]
        if len(totals) != 1 or totals[0] in unknown:
            continue
        parts = sorted(key for key, c in equation.items() if c > 0 and key in unknown)
        if len(parts) >= 2 and 0 < sum(persons[key] for key in parts) < k:
            found.append(Violation("small_sum", tuple(parts), (index,)))
    return found


def _swap_partners(
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


def _complete_suppression(
    *, system: _System, cells: set[Key], unknown: set[Key], swapped: set[Key]
) -> None:
    """Add complementary suppressions to `unknown` until no suppressed cell is disclosed.

    The check treats hidden zeros as known (a zero can only move up, which the equations
    alone do not see), except those of a swap: every other suppressed cell must then move
    among positive cells and swaps. The cells in `swapped` move by their swap of categories.
    """

    def cost(key: Key) -> tuple[int, int, Key]:
        # The smallest count first (the least information lost), départements before régions.
        return (system.values[key], _LEVEL_ORDER[key[0]], key)

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
                and not _stuck(system=system, cells=cells, unknown=unknown, key=other)
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
            and not _stuck(system=system, cells=cells, unknown=unknown, key=other)
        }
        if not rest:
            raise DisclosureError(f"{key} cannot be protected")
        unknown.add(min(rest, key=cost))


def disclosed_unknowns(*, equations: list[dict[Key, int]], unknown: set[Key]) -> set[Key]:
    """The unknowns whose value every solution of `equations` shares (known terms moved right).

    Gauss-Jordan elimination of the equations restricted to the unknowns, over sparse rows:
    an unknown is determined exactly when a row of the reduced echelon form is its unit vector.
    """
    pivots = echelon(equations=equations, unknown=unknown)
    return {pivot for pivot, row in pivots.items() if len(row) == 1}


def echelon(
    *, equations: Iterable[Mapping[Key, int]], unknown: set[Key]
) -> dict[Key, dict[Key, int]]:
    """The reduced echelon form of `equations` restricted to `unknown`: {pivot: its row}, each
    pivot in its own row only (modulo `_PRIME`)."""
    pivots: dict[Key, dict[Key, int]] = {}
    for equation in equations:
        row = {k: c % _PRIME for k, c in equation.items() if k in unknown and c % _PRIME}
        _insert_row(pivots, row)
    return pivots


def _insert_row(pivots: dict[Key, dict[Key, int]], row: dict[Key, int]) -> None:
    """Reduce `row` by the pivots, and when something is left, make it a pivot row and
    eliminate its pivot from the others (Gauss-Jordan, in place)."""
    _reduce(row, pivots=pivots)
    if not row:
        return
    pivot = min(row)
    inverse = pow(row[pivot], _PRIME - 2, _PRIME)
    row = {k: c * inverse % _PRIME for k, c in row.items()}
    for other in pivots.values():
        factor = other.get(pivot, 0)
        if factor:
            for k, c in row.items():
                value = (other.get(k, 0) - factor * c) % _PRIME
                if value:
                    other[k] = value
                else:
                    other.pop(k, None)
    pivots[pivot] = row


def determined(
    *, pivots: Mapping[Key, Mapping[Key, int]], form: Mapping[Key, int], unknown: set[Key]
) -> bool:
    """Whether the linear form (a sum of figures with coefficients) takes the same value in
    every solution: reduced by the pivot rows, nothing of it is left."""
    row = {k: c % _PRIME for k, c in form.items() if k in unknown and c % _PRIME}
    _reduce(row, pivots=pivots)
    return not row


def _reduce(row: dict[Key, int], *, pivots: Mapping[Key, Mapping[Key, int]]) -> None:
    """Subtract from `row`, in place, each pivot row whose pivot it holds."""
    for hit in [k for k in row if k in pivots]:
        factor = row.get(hit, 0)
        if not factor:
            continue
        for k, c in pivots[hit].items():
            value = (row.get(k, 0) - factor * c) % _PRIME
            if value:
                row[k] = value
            else:
                row.pop(k, None)


def _disclosed_knowing_of(known: set[Key], *, pivots: Mapping[Key, Mapping[Key, int]]) -> set[Key]:
    return disclosed_knowing(pivots=pivots, known=known)


def disclosed_knowing(*, pivots: Mapping[Key, Mapping[Key, int]], known: set[Key]) -> set[Key]:
    """The unknowns determined once `known` (some of the unknowns) are known too, from the
    public echelon form, without eliminating everything again.

    A cell x is determined iff its unit vector lies in the row space plus the unit vectors of
    `known`, i.e. iff it lies in the row space projected off the known columns. In a reduced
    echelon form a pivot appears in its own row only: rows without a known column stay as they
    are; rows with one lose those entries, and only the rows whose pivot was known need to be
    eliminated again (a handful: the insider's own hidden cells).
    """
    rows = {p: dict(r) for p, r in pivots.items() if known.isdisjoint(r)}
    orphans = []
    for pivot, row in pivots.items():
        if known.isdisjoint(row):
            continue
        reduced = {k: c for k, c in row.items() if k not in known}
        if pivot in known:
            orphans.append(reduced)
        else:
            rows[pivot] = reduced
    for row in orphans:
        _insert_row(rows, row)
    return {pivot for pivot, row in rows.items() if len(row) == 1}


def protect_sums(
    *,
    amounts: Mapping[str, int],
    counts: Mapping[str, int],
    region_of: Mapping[str, str],
    rules: Rules,
) -> dict[Key, Shown]:
    """An additive quantity about persons (the AFIS due) per département, rolled up to région and
    France: shown exactly where the persons behind it number zero or at least k, suppressed
    where they are 1 to k-1, with complementary suppression so that no suppressed amount can be
    computed from the région and France totals.

    `counts` are the persons behind each département's amount (published banded elsewhere).
    """
    if set(amounts) != set(counts):
        raise DisclosureError("amounts and counts must cover the same départements")
    if any((amounts[code] > 0) != (counts[code] > 0) or amounts[code] < 0 for code in amounts):
        raise DisclosureError("an amount is positive exactly when persons stand behind it")
    system = _System()
    values = rollup(amounts, region_of)
    persons = rollup(counts, region_of)
    system.values.update(values)
    by_region: dict[str, list[str]] = defaultdict(list)
    for code in sorted(amounts):
        by_region[region_of[code]].append(code)
    for region, codes in sorted(by_region.items()):
        system.equation([("departement", c, "", "") for c in codes], ("region", region, "", ""))
    system.equation([("region", r, "", "") for r in sorted(by_region)], ("france", FRANCE, "", ""))
    unknown = {key for key, n in persons.items() if 0 < n < rules.k}
    _complete_suppression(system=system, cells=set(values), unknown=unknown, swapped=set())
    _audit_and_fix(
        system=system,
        cells=set(values),
        unknown=unknown,
        swapped=set(),
        ranges={},
        region_of=region_of,
        rules=rules,
        persons=persons,
    )
    return {key: SUPPRESSED if key in unknown else exact(value) for key, value in values.items()}


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
