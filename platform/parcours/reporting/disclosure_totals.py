"""Totals of banded figures: a région's and France's total published exactly only when it
narrows no band, for the public or for a département knowing its own figure; otherwise as the
range its parts add up to.

Pure, no database; the reasoning ("Totals of banded figures") is in `disclosure.py`, the test
of one equation in `_total_keeps_bands`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from parcours.reporting.disclosure_figures import (
    FRANCE,
    Key,
    Rules,
    Shown,
    banded,
    exact,
    ranged,
)


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
