"""Disclosure control as a specification, then under attack by a linear program."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Mapping

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from parcours.reporting.disclosure import (
    DisclosureError,
    Rules,
    banded,
    disclosed_unknowns,
    management_figures,
    percentile_days,
    protect_breakdowns,
    protect_sums,
)
from tests.parcours.reporting.attacker import (
    Figure,
    Finding,
    Model,
    attack,
    band_differences,
    insiders,
    protection_intervals,
)

RULES = Rules(k=11, band_width=5)


def publish(
    *,
    margins: Mapping[str, int],
    breakdowns: Mapping[str, Mapping[tuple[str, str], int]],
    region_of: Mapping[str, str],
    rules: Rules = RULES,
    categories: Mapping[str, list[str]] | None = None,
) -> list[Figure]:
    if categories is None:
        categories = {d: sorted({c for _, c in cells}) for d, cells in breakdowns.items()}
    figures = []
    shown = management_figures(values=margins, region_of=region_of, rules=rules)
    with contextlib.suppress(DisclosureError):  # then withheld whole, as the release does
        shown |= protect_breakdowns(
            margins=margins,
            breakdowns=breakdowns,
            categories=categories,
            region_of=region_of,
            rules=rules,
        )

    for (level, code, dimension, category), s in shown.items():
        figures.append(
            Figure(level, code, "x", dimension, category, s.disclosure, s.value, s.low, s.high)
        )
    return figures


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0, "0"), (1, "1–5"), (5, "1–5"), (6, "6–10"), (10, "6–10"), (11, "11"), (148, "148")],
)
def test_management_figures_are_banded_below_k_and_exact_from_k(value: int, shown: str) -> None:
    assert banded(value, rules=RULES).shown == shown


def test_bands_are_data_from_k_and_the_width() -> None:
    assert Rules(k=11, band_width=5).bands == ((1, 5), (6, 10))
    assert Rules(k=9, band_width=3).bands == ((1, 3), (4, 6), (7, 8))
    assert banded(7, rules=Rules(k=9, band_width=3)).shown == "7–8"
    with pytest.raises(ValueError):
        Rules(k=11, band_width=1)


def test_management_figures_roll_up_to_region_and_france() -> None:
    shown = management_figures(
        values={"31": 39, "32": 3, "75": 148},
        region_of={"31": "76", "32": "76", "75": "11"},
        rules=RULES,
    )
    assert shown[("departement", "32", "", "")].shown == "1–5"
    # 42 exactly, less 31's 39, would be 32's 3: the région is the sum of the intervals.
    assert shown[("region", "76", "", "")].shown == "40–44"
    assert shown[("region", "11", "", "")].shown == "148"
    assert shown[("france", "FR", "", "")].shown == "188–192"


def management_as_figures(shown: Mapping) -> list[Figure]:
    return [
        Figure(level, code, "x", "", "", s.disclosure, s.value, s.low, s.high)
        for (level, code, _, _), s in shown.items()
    ]


def band_ends(
    figures: list[Figure], region_of: Mapping[str, str], *, insider: tuple[str, int] | None = None
) -> dict[tuple[str, str], tuple[float, float]]:
    """Each band's smallest and largest value for the attacker: the band is turned into a
    suppressed cell and its interval met with the band (a bound on it alone). An `insider`
    (code, value) publishes its own figure exactly to itself."""
    if insider is not None:
        code, value = insider
        figures = [
            Figure(f.level, f.code, f.indicator, "", "", "exact", value, None, None)
            if (f.level, f.code) == ("departement", code)
            else f
            for f in figures
        ]
    ends = {}
    for i, f in enumerate(figures):
        if f.disclosure != "banded":
            continue
        probe = list(figures)
        probe[i] = Figure(f.level, f.code, f.indicator, "", "", "suppressed", None, None, None)
        (interval,) = [j for j in attack(probe, region_of=region_of) if j.figure == probe[i]]
        ends[(f.level, f.code)] = (
            max(interval.low, f.band_low),
            min(interval.high, f.band_high),
        )
    return ends


def as_published(level: str, code: str, value: int) -> Figure:
    """A figure the old way: exact from k and for totals, banded below."""
    if level == "departement" and 0 < value < RULES.k:
        low, high = next(b for b in RULES.bands if b[0] <= value <= b[1])
        return Figure(level, code, "x", "", "", "banded", None, low, high)
    return Figure(level, code, "x", "", "", "exact", value, None, None)


def test_an_exact_region_total_would_undo_the_bands_of_its_departements() -> None:
    """Corsica: AFIS beneficiaries 5 and 5, banded 1–5; an exact 10 pins both."""
    region_of = {"2A": "94", "2B": "94", "75": "11"}
    values = {"2A": 5, "2B": 5, "75": 148}
    old = [
        as_published("departement", "2A", 5),
        as_published("departement", "2B", 5),
        as_published("departement", "75", 148),
        as_published("region", "94", 10),
        as_published("region", "11", 148),
        as_published("france", "FR", 158),
    ]
    assert band_ends(old, region_of)[("departement", "2A")] == (5, 5)  # the old way: undone
    new = management_as_figures(management_figures(values=values, region_of=region_of, rules=RULES))
    assert {
        (f.level, f.code): (f.disclosure, f.value, f.band_low, f.band_high)
        for f in new
        if f.level != "departement"
    } == {
        ("region", "94"): ("banded", None, 2, 10),
        ("region", "11"): ("exact", 148, 148, 148),
        ("france", "FR"): ("banded", None, 150, 158),
    }
    for place, ends in band_ends(new, region_of).items():
        f = next(f for f in new if (f.level, f.code) == place)
        assert ends == (f.band_low, f.band_high), place


def test_a_total_stays_exact_when_its_bands_have_room() -> None:
    """39 = 30 + 3 + 3 + 3: whatever one band holds, the two others can make up the rest, for
    the public and for each of the three knowing its own 3. (With two bands it never holds:
    each one, knowing its own, reads the other's.)"""
    region_of = {"a": "R", "b": "R", "c": "R", "d": "R", "z": "Z"}
    values = {"a": 30, "b": 3, "c": 3, "d": 3, "z": 0}
    shown = management_figures(values=values, region_of=region_of, rules=RULES)
    assert shown[("region", "R", "", "")].shown == "39"
    figures = management_as_figures(shown)
    for insider in (None, ("b", 3), ("c", 3), ("d", 3)):
        ends = band_ends(figures, region_of, insider=insider)
        for place in [("departement", "b"), ("departement", "c"), ("departement", "d")]:
            if insider is None or place[1] != insider[0]:
                assert ends[place] == (1, 5), (insider, place)


def test_a_total_that_one_departement_would_undo_with_its_own_figure_is_a_range() -> None:
    """45 = 39 + 3 + 3 leaves the public both bands 1–5 whole (3 + 3 = 6 = 1 + 5 = 5 + 1), but
    either département, knowing its own 3, reads the other's exactly: a range then."""
    region_of = {"31": "R", "32": "R", "52": "R", "z": "Z"}
    old = [
        as_published("departement", "31", 39),
        as_published("departement", "32", 3),
        as_published("departement", "52", 3),
        as_published("departement", "z", 0),
        as_published("region", "R", 45),
        as_published("region", "Z", 0),
        as_published("france", "FR", 45),
    ]
    assert band_ends(old, region_of)[("departement", "52")] == (1, 5)
    assert band_ends(old, region_of, insider=("32", 3))[("departement", "52")] == (3, 3)
    shown = management_figures(
        values={"31": 39, "32": 3, "52": 3, "z": 0}, region_of=region_of, rules=RULES
    )
    assert shown[("region", "R", "", "")].shown == "41–49"
    new = management_as_figures(shown)
    assert band_ends(new, region_of, insider=("32", 3))[("departement", "52")] == (1, 5)


def test_a_small_cell_is_suppressed_with_a_complement_in_its_row_and_column() -> None:
    region_of = {"31": "76", "32": "76"}
    figures = publish(
        margins={"31": 40, "32": 30},
        breakdowns={"outcome": {("31", "a"): 3, ("31", "b"): 37, ("32", "a"): 12, ("32", "b"): 18}},
        region_of=region_of,
    )
    hidden = {(f.level, f.code, f.category) for f in figures if f.disclosure == "suppressed"}
    assert ("departement", "31", "a") in hidden
    # Its row (31), its column (a in the région) each hold a second suppressed cell.
    assert len([h for h in hidden if h[:2] == ("departement", "31")]) >= 2
    assert len([h for h in hidden if h[0] == "departement" and h[2] == "a"]) >= 2
    assert all(i.high - i.low > 0 for i in attack(figures, region_of=region_of))


def test_a_bridge_between_two_groups_of_suppressed_cells_is_caught() -> None:
    """Every row and column below holds two unknowns, yet (a, c) is pinned by the others."""
    unknown = {
        ("r1", "c1"),
        ("r1", "c2"),
        ("r2", "c1"),
        ("r2", "c2"),
        ("r2", "c3"),
        ("r3", "c3"),
        ("r3", "c4"),
        ("r4", "c3"),
        ("r4", "c4"),
    }
    keys = {k: ("departement", k[0], "d", k[1]) for k in unknown}
    equations = []
    for line in ("r1", "r2", "r3", "r4", "c1", "c2", "c3", "c4"):
        equations.append({keys[k]: 1 for k in unknown if line in k})
    # The rule of thumb is satisfied: no equation with a lone unknown.
    assert all(len(e) >= 2 for e in equations)
    assert disclosed_unknowns(equations=equations, unknown=set(keys.values())) == {
        keys[("r2", "c3")]
    }


def test_inconsistent_margins_are_refused() -> None:
    with pytest.raises(DisclosureError):
        protect_breakdowns(
            margins={"31": 5},
            breakdowns={"d": {("31", "a"): 4}},
            categories={"d": ["a", "b"]},
            region_of={"31": "76"},
            rules=RULES,
        )


def test_zeros_and_counts_from_k_stay_published() -> None:
    figures = publish(
        margins={"31": 30, "32": 24},
        breakdowns={"d": {("31", "a"): 30, ("32", "a"): 12, ("32", "b"): 12}},
        region_of={"31": "76", "32": "76"},
        categories={"d": ["a", "b"]},
    )
    assert all(f.disclosure == "exact" for f in figures if f.dimension)


@st.composite
def tables(draw: st.DrawFn) -> tuple[dict[str, int], dict, dict[str, str], Rules, dict]:
    regions = draw(st.integers(1, 3))
    region_of: dict[str, str] = {}
    for r in range(regions):
        for d in range(draw(st.integers(1, 4))):
            region_of[f"{r}{d}"] = f"R{r}"
    count = st.one_of(st.integers(0, 3), st.integers(0, 14), st.integers(8, 40))
    names = [f"c{c}" for c in range(draw(st.integers(2, 4)))]
    first = {(code, name): draw(count) for code in region_of for name in names}
    margins = {code: sum(v for (d, _), v in first.items() if d == code) for code in region_of}
    breakdowns = {"first": first}
    categories = {"first": names, "second": ["x", "y"]}
    if draw(st.booleans()):
        # A second attribute of the same persons: another split of the same margins.
        second: dict[tuple[str, str], int] = {}
        for code, total in margins.items():
            cut = draw(st.integers(0, total))
            second[(code, "x")] = cut
            second[(code, "y")] = total - cut
        breakdowns["second"] = second
    k = draw(st.sampled_from([3, 5, 11]))
    return (
        margins,
        breakdowns,
        region_of,
        Rules(k=k, band_width=draw(st.integers(2, 5))),
        categories,
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_suppressed_cell_can_be_recovered_by_a_linear_program(table: tuple) -> None:
    margins, breakdowns, region_of, rules, categories = table
    figures = publish(
        margins=margins,
        breakdowns=breakdowns,
        region_of=region_of,
        rules=rules,
        categories={d: categories[d] for d in breakdowns},
    )
    truth = true_values(breakdowns, region_of)
    for interval in attack(figures, region_of=region_of):
        f = interval.figure
        if truth[(f.level, f.code, f.dimension, f.category)] == 0:
            # A zero hidden as a complement may be found to be zero: zeros are public anyway.
            assert interval.low == 0
            continue
        assert interval.high - interval.low > 1e-6, interval


def true_values(
    breakdowns: Mapping[str, Mapping[tuple[str, str], int]], region_of: Mapping[str, str]
) -> dict[tuple[str, str, str, str], int]:
    truth: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for dimension, cells in breakdowns.items():
        for (code, category), value in cells.items():
            truth[("departement", code, dimension, category)] += value
            truth[("region", region_of[code], dimension, category)] += value
            truth[("france", "FR", dimension, category)] += value
    return truth


@settings(max_examples=200, deadline=None)
@given(tables())
def test_no_published_breakdown_cell_lies_between_1_and_k_minus_1(table: tuple) -> None:
    margins, breakdowns, region_of, rules, categories = table
    for f in publish(
        margins=margins,
        breakdowns=breakdowns,
        region_of=region_of,
        rules=rules,
        categories={d: categories[d] for d in breakdowns},
    ):
        if f.dimension and f.disclosure != "suppressed":
            assert f.value == 0 or f.value >= rules.k, f


def test_a_small_row_sharing_one_category_is_protected_by_a_swap_with_a_neighbour() -> None:
    """Everyone in 32 is in `a`: hiding 32's zero and a swap with 31 leaves room."""
    region_of = {"31": "76", "32": "76"}
    figures = publish(
        margins={"31": 40, "32": 3},
        breakdowns={"d": {("31", "a"): 25, ("31", "b"): 15, ("32", "a"): 3}},
        region_of=region_of,
        categories={"d": ["a", "b"]},
    )
    hidden = {(f.level, f.code, f.category) for f in figures if f.disclosure == "suppressed"}
    assert {("departement", "32", "a"), ("departement", "32", "b")} <= hidden
    for interval in attack(figures, region_of=region_of):
        assert interval.high - interval.low > 0, interval


def test_breakdowns_are_refused_when_everyone_included_shares_a_category() -> None:
    with pytest.raises(DisclosureError, match="shares the category"):
        protect_breakdowns(
            margins={"31": 3, "75": 2},
            breakdowns={"d": {("31", "a"): 3, ("75", "a"): 2}},
            categories={"d": ["a", "b"]},
            region_of={"31": "76", "75": "11"},
            rules=RULES,
        )


@st.composite
def amounts(draw: st.DrawFn) -> tuple[dict[str, int], dict[str, int], dict[str, str], Rules]:
    """Persons per département and the amount due to them (positive exactly when persons are)."""
    region_of: dict[str, str] = {}
    for r in range(draw(st.integers(1, 4))):
        for d in range(draw(st.integers(1, 4))):
            region_of[f"{r}{d}"] = f"R{r}"
    counts = {code: draw(st.one_of(st.integers(0, 4), st.integers(0, 30))) for code in region_of}
    due = {code: n * 343 + draw(st.integers(0, 106 * n)) for code, n in counts.items()}
    return due, counts, region_of, Rules(k=draw(st.sampled_from([3, 5, 11])), band_width=2)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(amounts())
def test_an_amount_behind_few_persons_is_hidden_and_cannot_be_recovered(case: tuple) -> None:
    due, counts, region_of, rules = case
    try:
        shown = protect_sums(amounts=due, counts=counts, region_of=region_of, rules=rules)
    except DisclosureError:
        return  # withheld whole by the release
    persons: dict[tuple[str, str], int] = defaultdict(int)
    for code, n in counts.items():
        persons[("departement", code)] += n
        persons[("region", region_of[code])] += n
        persons[("france", "FR")] += n
    figures = []
    for (level, code, _, _), s in shown.items():
        if 0 < persons[(level, code)] < rules.k:
            assert s.disclosure == "suppressed", (level, code)
        figures.append(Figure(level, code, "afis", "", "", s.disclosure, s.value, s.low, s.high))
    for interval in attack(figures, region_of=region_of):
        assert interval.high - interval.low > 1e-6, interval


def test_an_amount_must_stand_behind_persons() -> None:
    with pytest.raises(DisclosureError):
        protect_sums(amounts={"31": 300}, counts={"31": 0}, region_of={"31": "76"}, rules=RULES)


@pytest.mark.parametrize(
    ("histogram", "share", "expected"),
    [
        ({10: 1}, 0.5, 10),
        ({10: 1, 20: 1}, 0.5, 10),
        ({10: 1, 20: 1, 30: 1}, 0.5, 20),
        ({10: 9, 90: 1}, 0.9, 10),
        ({10: 8, 90: 2}, 0.9, 90),
    ],
)
def test_percentiles_are_nearest_rank(
    histogram: dict[int, int], share: float, expected: int
) -> None:
    assert percentile_days(histogram, share=share) == expected


# The three attackers on protected tables: the suite's attacker (`attacker.py`), the public and
# each département as an insider. Each case first shows the fast first pass alone (the audit
# switched off) disclosing what it claims, then the release's protection disclosing nothing.


def place_truth(
    margins: Mapping[str, int],
    breakdowns: Mapping[str, Mapping[tuple[str, str], int]],
    region_of: Mapping[str, str],
) -> dict[tuple[str, ...], int]:
    truth: dict[tuple[str, ...], int] = defaultdict(int)
    for code, value in margins.items():
        for level, place in (("departement", code), ("region", region_of[code]), ("france", "FR")):
            truth[("", "x", level, place, "", "")] += value
    for (level, place, dimension, category), value in true_values(breakdowns, region_of).items():
        truth[("", "x", level, place, dimension, category)] = value
    return truth


def findings(
    figures: list[Figure],
    *,
    margins: Mapping[str, int],
    breakdowns: Mapping[str, Mapping[tuple[str, str], int]],
    region_of: Mapping[str, str],
    k: int = 11,
) -> list[Finding]:
    """What the public and the insiders find, less what an insider knows by being part of a
    total: a range that holds its own band is narrowed by its own figure whatever is published,
    and a région's or France's cell computed from its own part tells it nothing when the
    others' part is zero or published exactly."""
    model = Model.build(figures, region_of=region_of, k=k)
    every = place_truth(margins, breakdowns, region_of)
    truth = {place: every[place] for place in model.figures}
    public = protection_intervals(model) + band_differences(model)
    found = list(public)
    for f in insiders(model, truth=truth, region_of=region_of, public=public):
        _, _, level, place, dimension, category = f.places[0]
        if level == "departement":
            found.append(f)
            continue
        if f.threat == "insider narrows" and (level == "france" or region_of[f.insider] == place):
            continue  # the range holds the insider's own band
        own = ("", "x", "departement", f.insider, dimension, category)
        mine = own if level == "france" or region_of[f.insider] == place else None
        if _public_width(model, f.places[0], mine) > 1e-6:
            found.append(f)
    return found


def _public_width(model: Model, key: tuple[str, ...], own: tuple[str, ...] | None) -> float:
    """How far the public can move `key` less the insider's `own` part of it (a linear
    program over the attacker's model): 0 when the others' part is public already."""
    objective = np.zeros(len(model.unknowns))
    constant = 0.0
    for place, sign in ((key, 1.0), (own, -1.0)):
        if place is None:
            continue
        if place in model.index:
            objective[model.index[place]] += sign
        else:
            constant += sign * (model.figures[place].value or 0)
    if not objective.any():
        return 0.0
    a_eq = np.zeros((len(model.rows), len(model.unknowns)))
    for r, row in enumerate(model.rows):
        for column, coefficient in row.items():
            a_eq[r, column] = coefficient
    lower, upper = model.lower_upper()
    bounds = list(zip(lower, [None if np.isinf(u) else u for u in upper], strict=True))
    low = linprog(objective, A_eq=a_eq, b_eq=model.rhs, bounds=bounds)
    high = linprog(-objective, A_eq=a_eq, b_eq=model.rhs, bounds=bounds)
    if low.status != 0 or high.status != 0:
        return np.inf  # unbounded: far from pinned
    return float(-high.fun - low.fun)


def first_pass_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from parcours.reporting import disclosure_tables as disclosure

    monkeypatch.setattr(disclosure, "_audit_and_fix", lambda **kwargs: None)


def two_regions(*codes_per_region: int) -> dict[str, str]:
    return {f"{r}{d}": f"R{r}" for r, n in enumerate(codes_per_region) for d in range(n)}


SMALL_CELL = (
    two_regions(3, 3),
    {
        "d": {
            ("00", "b"): 4,
            ("02", "b"): 15,
            ("10", "a"): 26,
            ("10", "b"): 1,
            ("11", "b"): 11,
            ("12", "b"): 4,
        }
    },
    ["a", "b"],
)
SMALL_SUM = (
    two_regions(3, 2),
    {
        "d": {
            ("00", "a"): 25,
            ("01", "b"): 25,
            ("01", "c"): 6,
            ("02", "a"): 3,
            ("10", "a"): 3,
            ("10", "b"): 31,
            ("10", "c"): 3,
            ("11", "a"): 1,
            ("11", "c"): 3,
        }
    },
    ["a", "b", "c"],
)
INSIDER = (
    two_regions(2, 2),
    {"d": {("00", "b"): 33, ("01", "a"): 22, ("10", "a"): 35, ("11", "a"): 1}},
    ["a", "b"],
)


@pytest.mark.parametrize(
    ("case", "threat"),
    [
        (SMALL_CELL, "small cell"),  # 10's `b` (1) proven in [1, 9]
        (SMALL_SUM, "small sum"),  # 10's `a` and `c` adding up to an exact 6
        (INSIDER, "insider pins"),  # 00, knowing its own row, computes 11's 1
    ],
)
def test_the_audit_adds_complements_until_no_attacker_learns_anything(
    case: tuple, threat: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    region_of, breakdowns, names = case
    margins = {
        code: sum(v for (c, _), v in breakdowns["d"].items() if c == code) for code in region_of
    }
    kwargs = {"margins": margins, "breakdowns": breakdowns, "region_of": region_of}
    with monkeypatch.context() as patch:
        first_pass_only(patch)
        old = publish(**kwargs, categories={"d": names})
    assert any(f.threat == threat for f in findings(old, **kwargs)), threat
    new = publish(**kwargs, categories={"d": names})
    assert any(f.disclosure == "suppressed" for f in new)
    assert findings(new, **kwargs) == []


def test_a_small_cell_alone_in_its_row_can_move_by_all_of_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """32's 3 persons all in `a`: the first pass swaps it with 31, whose `b` holds only 2, so
    32's `a` can go down by 2 at most: proven in [1, 3]. The audit hides more until it can
    reach 0."""
    region_of = {"31": "76", "32": "76", "33": "76"}
    breakdowns = {
        "d": {("31", "a"): 38, ("31", "b"): 2, ("32", "a"): 3, ("33", "a"): 15, ("33", "b"): 20}
    }
    kwargs = {
        "margins": {"31": 40, "32": 3, "33": 35},
        "breakdowns": breakdowns,
        "region_of": region_of,
    }
    with monkeypatch.context() as patch:
        first_pass_only(patch)
        old = publish(**kwargs, categories={"d": ["a", "b"]})
    small = [f for f in findings(old, **kwargs) if f.threat == "small cell"]
    assert ("departement", "32", "d", "a") in {f.places[0][2:] for f in small}
    figures = publish(**kwargs, categories={"d": ["a", "b"]})
    cell = next(f for f in figures if (f.code, f.dimension, f.category) == ("32", "d", "a"))
    assert cell.disclosure == "suppressed"
    assert findings(figures, **kwargs) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_attacker_learns_anything_from_a_protected_table(table: tuple) -> None:
    margins, breakdowns, region_of, rules, categories = table
    figures = publish(
        margins=margins,
        breakdowns=breakdowns,
        region_of=region_of,
        rules=rules,
        categories={d: categories[d] for d in breakdowns},
    )
    found = findings(
        figures, margins=margins, breakdowns=breakdowns, region_of=region_of, k=rules.k
    )
    assert found == [], "\n".join(map(str, found))
