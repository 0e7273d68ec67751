"""reporting/privacy.py: the mechanism (OpenDP discrete Laplace), its ε split, post-processing
and the parsing of an ε people type. Pure functions, no database."""

from __future__ import annotations

import math
import statistics
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parcours.reporting.privacy import (
    CONTRIBUTION_BOUNDS,
    EPSILON_MAX,
    NOISED_INDICATORS,
    EpsilonError,
    discrete_laplace_variance,
    epsilon_parse,
    noise_counts,
    plan_for,
    post_process,
)
from tenants.casework import extraction as x


@pytest.mark.parametrize("epsilon", ["0.001", "0.1", "0.5", "1", "2.5", "10"])
def test_the_composed_loss_of_the_indicators_never_exceeds_the_stated_epsilon(
    epsilon: str,
) -> None:
    plan = plan_for(epsilon=Decimal(epsilon))
    assert plan.epsilon_composed <= float(epsilon)
    # The split is proportional to the bounds: one scale, C / ε, for every figure.
    assert plan.scale == pytest.approx(sum(CONTRIBUTION_BOUNDS.values()) / float(epsilon))
    for code, bound, loss in plan.losses:
        assert loss == pytest.approx(bound / plan.scale)
        assert CONTRIBUTION_BOUNDS[code] == bound


def test_the_rules_state_every_indicator_its_bound_and_what_is_not_noised() -> None:
    rules = plan_for(epsilon=Decimal("1")).as_json()
    assert rules["epsilon"] == "1" and rules["mechanism"] == "discrete_laplace"
    assert [i["indicator"] for i in rules["indicators"]] == list(NOISED_INDICATORS)
    assert all(i["why"] for i in rules["indicators"])
    assert set(rules["not_noised"]) == {x.APPROVALS_IN_FORCE, x.SESSIONS_HELD}
    assert x.APPROVALS_IN_FORCE not in NOISED_INDICATORS


def test_the_noise_has_the_variance_of_its_scale() -> None:
    """20,000 draws at scale 17 (ε = 1): the empirical variance is within 1.6 % of the theory
    (its relative standard deviation, a Laplace's kurtosis being 6); 20 % is over 12 standard
    deviations away, so the test cannot fail by chance, and noise a tenth or ten times too
    large (or none at all) fails it."""
    plan = plan_for(epsilon=Decimal("1"))
    departements = [f"{n:02d}" for n in range(1, 101)]
    draws: list[int] = []
    for _ in range(200):
        noisy = noise_counts(
            counts={x.PERSONS_IN_PATHWAY: dict.fromkeys(departements, 50)},
            departements=departements,
            plan=plan,
        )
        draws += [value - 50 for value in noisy[x.PERSONS_IN_PATHWAY].values()]
    theory = discrete_laplace_variance(plan.scale)
    assert theory == pytest.approx(2 * plan.scale**2, rel=0.01)
    assert 0.8 * theory < statistics.pvariance(draws) < 1.2 * theory
    assert abs(statistics.fmean(draws)) < 10 * math.sqrt(theory / len(draws))
    assert all(isinstance(value, int) for value in draws)


def test_every_noised_indicator_gets_noise_and_no_other_is_returned() -> None:
    plan = plan_for(epsilon=Decimal("0.5"))
    counts = {code: {"31": 40, "75": 150} for code in [*NOISED_INDICATORS, x.SESSIONS_HELD]}
    noisy = noise_counts(counts=counts, departements=["31", "75"], plan=plan)
    assert set(noisy) == set(NOISED_INDICATORS)
    # 26 values at scale 34: all equal to the truth with a probability below 10⁻³⁰.
    assert any(noisy[code][d] != counts[code][d] for code in noisy for d in ("31", "75"))


def test_post_processing_clamps_at_zero_and_sums_the_levels_before_clamping() -> None:
    noisy = {x.EXITS: {"31": -7, "32": 12, "75": -3}}
    region_of = {"31": "76", "32": "76", "75": "11"}
    figures = post_process(noisy=noisy, region_of=region_of)
    assert figures[("departement", "31", x.EXITS)] == 0
    assert figures[("departement", "32", x.EXITS)] == 12
    assert figures[("region", "76", x.EXITS)] == 5  # -7 + 12, unbiased
    assert figures[("region", "11", x.EXITS)] == 0
    assert figures[("france", "FR", x.EXITS)] == 2
    assert all(isinstance(v, int) and v >= 0 for v in figures.values())


@given(
    st.dictionaries(
        st.sampled_from(["01", "02", "31", "75", "13", "2A", "971"]),
        st.integers(min_value=-10_000, max_value=10_000),
        min_size=1,
    )
)
def test_published_noisy_figures_are_non_negative_integers(values: dict[str, int]) -> None:
    figures = post_process(
        noisy={x.PERSONS_IN_PATHWAY: values}, region_of={c: c[0] for c in values}
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
