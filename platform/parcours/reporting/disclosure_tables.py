"""Protecting a table: the breakdowns of one indicator, or an amount about persons, rolled up
to région and France; primary suppression, the first pass of complements
(`disclosure_suppression`), then the audit as the public and each département would attack it
(`disclosure_audit`) and complements until it finds nothing, or the table is withheld whole.

Pure, no database; the method and its limits are explained in `disclosure.py`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import partial

from parcours.reporting.disclosure_algebra import System, determined, disclosed_knowing, echelon
from parcours.reporting.disclosure_audit import (
    DisclosureError,
    Violation,
    insider_violations,
    public_violations,
)
from parcours.reporting.disclosure_figures import (
    FRANCE,
    LEVEL_ORDER,
    SUPPRESSED,
    Key,
    Rules,
    Shown,
    exact,
    rollup,
)
from parcours.reporting.disclosure_suppression import complete_suppression, stuck, swap_partners
from parcours.reporting.disclosure_totals import management_figures

# Rounds of audit and complements before a table is withheld (each round fixes every
# disclosure found in distinct equations; real tables need two or three).
_AUDIT_ROUNDS = 30


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
    system = System()
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
    # with another département or région instead (see swap_partners).
    swapped: set[Key] = set()
    for key in sorted(unknown):
        level, code, dimension, category = key
        others = [(level, code, dimension, c) for c in listed_of[dimension] if c != category]
        if any(system.values[other] > 0 for other in others):
            continue
        partners = swap_partners(
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
    complete_suppression(system=system, cells=all_cells, unknown=unknown, swapped=swapped)
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
    system = System()
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
    complete_suppression(system=system, cells=set(values), unknown=unknown, swapped=set())
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


def _audit_and_fix(
    *,
    system: System,
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
        return (alone, system.values[key], LEVEL_ORDER[key[0]], key)

    def published_positive(keys: Iterable[Key]) -> set[Key]:
        return {
            k
            for k in keys
            if k in cells
            and k not in unknown
            and system.values[k] > 0
            and not stuck(system=system, cells=cells, unknown=unknown, key=k)
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
        complete_suppression(system=system, cells=cells, unknown=unknown, swapped=swapped)
        # Complements only relax the attacker's program: what was safe stays safe; check
        # what was not, and the new complements.
        only = (unknown - before) | {key for violation in found for key in violation.keys}
    raise DisclosureError("the audit still finds disclosures after every complement tried")


def _small_persons_sums(
    *, system: System, unknown: set[Key], persons: Mapping[Key, int], k: int
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


def _disclosed_knowing_of(known: set[Key], *, pivots: Mapping[Key, Mapping[Key, int]]) -> set[Key]:
    return disclosed_knowing(pivots=pivots, known=known)
