"""reporting/privacy.py: the mechanism (OpenDP discrete Laplace), its ε split between levels and
indicators, the 95 % margins, and the parsing of an ε people type. Pure functions, no database."""

from __future__ import annotations

import math
import statistics
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parcours.reporting.privacy import (
    BREAKDOWNS,
    EPSILON_MAX,
    LEVEL_SHARES,
    NOISED_INDICATORS,
    TOTALS,
    EpsilonError,
    Truth,
    discrete_laplace_sd,
    discrete_laplace_tail,
    discrete_laplace_variance,
    epsilon_parse,
    half_width,
    noisy_figures,
    plan_for,
)
from tenants.statistics import extraction as x


def pmf(scale: float, k: int) -> float:
    """The discrete Laplace distribution, written out independently of the module."""
    q = math.exp(-1 / scale)
    return (1 - q) / (1 + q) * q ** abs(k)


def coverage(scale: float, t: int) -> float:
    """P(|noise| ≤ t) by summing the probabilities, not by the module's closed form."""
    return math.fsum(pmf(scale, k) for k in range(-t, t + 1))


def truth(
    *,
    departements: list[str],
    totals: dict[str, dict[str, int]] | None = None,
    breakdowns: dict[str, dict[tuple[str, str], int]] | None = None,
) -> Truth:
    return Truth(
        departements=departements,
        region_of={code: "R" + code[0] for code in departements},
        totals=totals or {},
        breakdowns=breakdowns or {},
        categories={dimension: CATEGORIES[dimension] for _, dimension in BREAKDOWNS},
    )


CATEGORIES = {
    x.DIMENSION_SEX: ["femme", "homme", "autre", "non_renseigne"],
    x.DIMENSION_AGE: ["moins_18", "18_24", "25_34", "35_44", "45_plus", "non_renseigne"],
    x.DIMENSION_WORLD_REGION: ["europe", "afrique", "autre"],
}


@pytest.mark.parametrize("epsilon", ["0.001", "0.1", "0.5", "1", "2.5", "10"])
def test_the_composed_loss_of_every_level_and_indicator_never_exceeds_the_stated_epsilon(
    epsilon: str,
) -> None:
    plan = plan_for(epsilon=Decimal(epsilon))
    assert plan.epsilon_composed <= float(epsilon)
    assert sum(share for _, share in LEVEL_SHARES) == 1
    for level, share in LEVEL_SHARES:
        queries = [q for q in plan.queries if q.level == level]
        assert queries, level
        # Each level spends its own share, split in proportion to the bounds: one scale a level.
        assert plan.level_epsilon(level) == pytest.approx(float(epsilon) * float(share))
        assert len({q.scale for q in queries}) == 1
        for query in queries:
            assert query.epsilon == pytest.approx(query.bound / query.scale)
    assert {(q.level, q.indicator) for q in plan.queries if not q.dimension} == {
        (level, code) for level in ("france", "region") for code in TOTALS
    }
    assert {(q.indicator, q.dimension) for q in plan.queries if q.dimension} == set(BREAKDOWNS)
    assert all(q.level == "departement" and q.bound == 1 for q in plan.queries if q.dimension)


def test_the_totals_noised_are_the_key_figures_the_trends_follow() -> None:
    from parcours.reporting import indicators

    assert list(TOTALS) == indicators.KEY


def test_the_rules_state_each_level_each_query_its_bound_and_what_is_not_noised() -> None:
    rules = plan_for(epsilon=Decimal("1")).as_json()
    assert rules["epsilon"] == "1" and rules["mechanism"] == "discrete_laplace"
    assert [level["level"] for level in rules["levels"]] == ["france", "region", "departement"]
    assert math.fsum(level["epsilon"] for level in rules["levels"]) <= 1
    assert [(q["level"], q["indicator"], q["dimension"]) for q in rules["queries"]] == [
        *((level, code, "") for level in ("france", "region") for code in TOTALS),
        *(("departement", code, dimension) for code, dimension in BREAKDOWNS),
    ]
    assert all(q["why"] and q["half_width_95"] > 0 for q in rules["queries"])
    assert {x.APPROVALS_IN_FORCE, x.SESSIONS_HELD, x.RENEWALS} <= set(rules["not_noised"])
    assert not set(rules["not_noised"]) & set(NOISED_INDICATORS)
    assert "séparément" in rules["consistency"]


@pytest.mark.parametrize("scale", [0.3, 1, 3.75, 7.5, 15, 17, 30, 60, 1700])
def test_the_margin_is_the_smallest_integer_holding_95_percent_of_the_noise(scale: float) -> None:
    t = half_width(scale)
    assert coverage(scale, t) >= 0.95
    assert t == 0 or coverage(scale, t - 1) < 0.95
    assert discrete_laplace_tail(scale, t) == pytest.approx(1 - coverage(scale, t), abs=1e-12)


def test_at_epsilon_1_a_france_figure_of_500_has_a_margin_well_under_25_percent() -> None:
    """The issue's measure, on the distribution (a draw is random, its spread is not): every
    France figure of 500 or more is within 25 % of the truth 95 times in 100 if the margin is
    under 125; it is under 10 % of 500 (45), and 5 % of the 903 persons in pathway."""
    plan = plan_for(epsilon=Decimal("1"))
    france = [q for q in plan.queries if q.level == "france"]
    assert {q.half_width for q in france} == {45}
    assert all(q.half_width < 0.25 * 500 and q.half_width < 0.1 * 500 for q in france)
    assert plan.query(level="france", indicator=x.PERSONS_IN_PATHWAY).half_width / 903 < 0.05
    # Summing 101 noisy départements, as before, would have spread France ten times wider.
    departement_scale = plan.query(
        level="departement", indicator=x.PERSONS_IN_PATHWAY, dimension=x.DIMENSION_SEX
    ).scale
    assert discrete_laplace_sd(departement_scale) * math.sqrt(101) > 5 * discrete_laplace_sd(
        plan.query(level="france", indicator=x.PERSONS_IN_PATHWAY).scale
    )


def test_the_noise_has_the_variance_of_its_scale_and_the_margin_holds_95_percent() -> None:
    """20,000 cells at the départements' scale (ε = 1): the empirical variance is within 1.6 %
    of the theory (its relative standard deviation, a Laplace's kurtosis being 6), and the
    share of draws within the stated margin within 0.15 % of 95 %; the bounds asserted (20 %,
    and 93–97 %) are over 12 standard deviations away, so the test cannot fail by chance, and
    noise a tenth or ten times too large (or none at all) fails it."""
    plan = plan_for(epsilon=Decimal("1"))
    departements = [f"{n:02d}" for n in range(10, 95)]  # 85 × 4 sex cells = 340 a draw
    draws: list[int] = []
    cells = {(d, c): 50 for d in departements for c in CATEGORIES[x.DIMENSION_SEX]}
    while len(draws) < 20_000:
        figures = noisy_figures(
            plan=plan, truth=truth(departements=departements, breakdowns={x.DIMENSION_SEX: cells})
        )
        draws += [
            value - 50
            for (level, _, _, dimension, _), value in figures.items()
            if dimension == x.DIMENSION_SEX
        ]
    query = plan.query(level="departement", indicator=x.PERSONS_IN_PATHWAY, dimension="sex")
    theory = discrete_laplace_variance(query.scale)
    assert theory == pytest.approx(2 * query.scale**2, rel=0.02)
    assert 0.8 * theory < statistics.pvariance(draws) < 1.2 * theory
    assert abs(statistics.fmean(draws)) < 10 * math.sqrt(theory / len(draws))
    within = sum(abs(d) <= query.half_width for d in draws) / len(draws)
    assert 0.93 < within < 0.97
    assert all(isinstance(value, int) for value in draws)


def test_which_cells_are_published_never_depends_on_the_counts() -> None:
    plan = plan_for(epsilon=Decimal("0.5"))
    departements = ["13", "31", "75"]
    empty = noisy_figures(plan=plan, truth=truth(departements=departements))
    full = noisy_figures(
        plan=plan,
        truth=truth(
            departements=departements,
            totals={code: {"31": 40, "75": 150} for code in TOTALS},
            breakdowns={x.DIMENSION_AGE: {("75", "25_34"): 60}},
        ),
    )
    assert set(empty) == set(full)
    # France and 3 régions for each total; every département × category of each breakdown.
    cells = sum(len(CATEGORIES[dimension]) for _, dimension in BREAKDOWNS)
    assert len(full) == len(TOTALS) * 4 + 3 * cells
    assert {key[0] for key in full} == {"france", "region", "departement"}
    assert not any(key[0] == "departement" and not key[3] for key in full)  # no dép. total


def test_each_level_is_measured_directly_never_summed_from_the_one_below() -> None:
    """France's figure is drawn around France's true count: with every département at 0 but
    one, a France figure summed from départements would carry their noise, and France is not
    the sum of the régions published."""
    plan = plan_for(epsilon=Decimal("10"))  # France's margin is 3: the truth is close
    departements = [f"{n:02d}" for n in range(10, 95)]
    figures = noisy_figures(
        plan=plan,
        truth=truth(departements=departements, totals={x.PERSONS_IN_PATHWAY: {"75": 903}}),
    )
    margin = plan.query(level="france", indicator=x.PERSONS_IN_PATHWAY).half_width
    assert margin <= 5
    france = figures[("france", "FR", x.PERSONS_IN_PATHWAY, "", "")]
    # 12 standard deviations of France's noise (scale 1.5): never by chance.
    assert abs(france - 903) <= 12 * discrete_laplace_sd(
        plan.query(level="france", indicator=x.PERSONS_IN_PATHWAY).scale
    )


def test_every_noised_query_gets_noise() -> None:
    plan = plan_for(epsilon=Decimal("0.5"))
    departements = ["31", "75"]
    totals = {code: {"31": 40, "75": 150} for code in TOTALS}
    figures = noisy_figures(plan=plan, truth=truth(departements=departements, totals=totals))
    exact = {("france", "FR", code, "", ""): 190 for code in TOTALS}
    # 5 France values at scale 30: all equal to the truth with a probability below 10⁻⁷.
    assert any(figures[key] != value for key, value in exact.items())


@given(
    st.dictionaries(
        st.sampled_from(["01", "02", "31", "75", "13", "2A", "971"]),
        st.integers(min_value=0, max_value=10_000),
        min_size=1,
    )
)
def test_published_noisy_figures_are_non_negative_integers(values: dict[str, int]) -> None:
    figures = noisy_figures(
        plan=plan_for(epsilon=Decimal("0.1")),
        truth=truth(departements=sorted(values), totals={x.EXITS: values}),
    )
    assert all(isinstance(v, int) and v >= 0 for v in figures.values())


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("1", "1.000"), ("0,5", "0.500"), (" 2.25 ", "2.250"), ("10", "10.000"), (0.5, "0.500")],
)
def test_an_epsilon_is_typed_with_a_point_or_a_comma(typed: Any, expected: str) -> None:
    assert epsilon_parse(value=typed) == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-1", "strictement positif"),
        ("0", "strictement positif"),
        ("NaN", "nombre décimal"),
        ("nan", "nombre décimal"),
        ("inf", "nombre décimal"),
        ("-inf", "strictement positif"),
        (float("nan"), "nombre décimal"),
        (float("inf"), "nombre décimal"),
        ("1e3", "nombre décimal"),
        ("1E-2", "nombre décimal"),
        ("10.001", "ne peut dépasser 10"),
        ("999", "ne peut dépasser 10"),
        (10**30, "nombre décimal"),
        ("0.0001", "trois décimales"),
        ("²", "nombre décimal"),
        ("１", "nombre décimal"),
        ("", "nombre décimal"),
        ("un", "nombre décimal"),
        ("1,5,2", "nombre décimal"),
        ("0x10", "nombre décimal"),
        (True, "nombre décimal"),
        (None, "nombre décimal"),
        ([1], "nombre décimal"),
        ({"e": 1}, "nombre décimal"),
    ],
)
def test_a_hostile_epsilon_is_refused_in_french(typed: Any, message: str) -> None:
    with pytest.raises(EpsilonError, match=message):
        epsilon_parse(value=typed)


@given(st.one_of(st.text(max_size=30), st.floats(), st.integers(), st.decimals()))
def test_any_input_gives_a_usable_epsilon_or_a_french_refusal(typed: Any) -> None:
    try:
        epsilon = epsilon_parse(value=typed)
    except EpsilonError as exc:
        assert str(exc).startswith("ε ")
    else:
        assert Decimal(0) < epsilon <= EPSILON_MAX
        assert epsilon == epsilon.quantize(Decimal("0.001"))
        assert plan_for(epsilon=epsilon).epsilon_composed <= float(epsilon)


def test_a_zero_budget_is_allowed_where_asked() -> None:
    assert epsilon_parse(value="0", allow_zero=True) == Decimal(0)
