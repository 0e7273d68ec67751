"""The differentially private release of the open data: the mechanism, pure functions.

What is protected is one person's records in a département's schema: adding or removing them
changes each published count by at most that indicator's *contribution bound* below, and in
one département only (each département counts its own persons), so the vector of an
indicator's counts over the départements has an L1 sensitivity equal to its bound.

Each indicator's vector receives discrete Laplace noise (OpenDP's `make_laplace` on integers:
no floating-point sampling, whose rounding leaks). The release's ε is split across the
indicators in proportion to their bounds, so that every figure gets noise of the same scale
`C / ε` (C the sum of the bounds); OpenDP's privacy map gives each indicator's loss, and the
losses add up (basic sequential composition) to at most the ε stated and counted against the
year's budget.

Post-processing costs no ε: a département's noisy count is clamped at 0; a région's and
France's figures are the sums of the noisy départements *before* clamping, then clamped. Noising
régions and France separately would cost ε again for every level (a person counts in all
three); summing the clamped départements would add about half a scale per département near
zero, a bias of hundreds on France. So totals are unbiased, and may differ slightly from the
sum of the départements shown.

Institution figures (approvals in force, sessions held) are about no person: they are not part
of the differentially private release and cost no ε; they stay in the banded release.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from parcours.reporting.disclosure import FRANCE
from tenants.casework import extraction as x

MECHANISM = "discrete_laplace"
# The most one person's records add to an indicator's count in one département over one
# period (a year at most), and why. Where the count is of distinct persons the bound holds by
# construction; elsewhere the extraction caps each person's contribution at the bound
# (`extraction.DP_CAPS`, sent apart), and `BOUND_REASONS` says why the cap loses nothing in a
# file that follows the procedure.
CONTRIBUTION_BOUNDS: dict[str, int] = {
    **x.DP_CAPS,
    x.AFIS_BENEFICIARIES: 1,
    x.APS_GRANTED: 1,
    x.HOUSING_OBTAINED: 1,
    x.CARE_OPENED: 1,
    x.TRAINING_OR_EMPLOYMENT: 1,
}
BOUND_REASONS: dict[str, str] = {
    x.PERSONS_IN_PATHWAY: "plafonné à 1 par personne : un seul parcours en cours à la fois",
    x.FIRST_REQUESTS: "plafonné à 2 par personne dans la période : une demande refusée peut être redéposée",
    x.AUTHORISATIONS: "plafonné à 1 par personne : une première autorisation par parcours",
    x.REFUSALS: "plafonné à 2 par personne dans la période",
    x.RENEWALS: "plafonné à 3 par personne : la durée maximale de 24 mois permet trois renouvellements",
    x.EXITS: "plafonné à 1 par personne : une sortie par parcours",
    x.EARLY_ENDS: "plafonné à 1 par personne : une fin anticipée par parcours",
    x.FILES_PENDING: "plafonné à 1 par personne : un dossier en instruction à la fois",
    x.AFIS_BENEFICIARIES: "personnes distinctes",
    x.APS_GRANTED: "personnes distinctes",
    x.HOUSING_OBTAINED: "personnes distinctes",
    x.CARE_OPENED: "personnes distinctes",
    x.TRAINING_OR_EMPLOYMENT: "personnes distinctes",
}
NOISED_INDICATORS: tuple[str, ...] = tuple(CONTRIBUTION_BOUNDS)

# ε is typed by people: decimals with a point or a comma, at most three decimals (the ledger's
# precision), and never above this: with ε = 10 a person's presence may change the odds of an
# outcome e¹⁰ ≈ 22,000 times, which protects nothing.
EPSILON_MAX = Decimal(10)
EPSILON_PLACES = 3
_EPSILON_TEXT = re.compile(r"[0-9]{1,3}(?:[.,][0-9]{1,12})?")


class EpsilonError(ValueError):
    """An ε people typed that cannot be used, with the reason in French."""


def epsilon_parse(*, value: object, allow_zero: bool = False) -> Decimal:
    """ε from a form, a query or a JSON body: a positive decimal, at most 10 and 3 decimals
    (zero too with `allow_zero`: a yearly budget of 0 forbids any noisy release that year).

    Only ASCII digits, a point or a comma: no exponent, sign, NaN or infinity reaches Decimal.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise EpsilonError("ε doit être un nombre décimal, par exemple 0,5 ou 1.")
    text = str(value).strip()
    if text.startswith("-"):
        raise EpsilonError("ε doit être strictement positif.")
    if len(text) > 20 or not _EPSILON_TEXT.fullmatch(text):
        raise EpsilonError("ε doit être un nombre décimal, par exemple 0,5 ou 1.")
    epsilon = Decimal(text.replace(",", "."))
    if epsilon < 0 or (epsilon == 0 and not allow_zero):
        raise EpsilonError("ε doit être strictement positif.")
    if epsilon > EPSILON_MAX:
        raise EpsilonError(
            f"ε ne peut dépasser {EPSILON_MAX} : au-delà, la protection n'a plus de sens."
        )
    if epsilon != epsilon.quantize(Decimal(1).scaleb(-EPSILON_PLACES)):
        raise EpsilonError("ε s'écrit avec au plus trois décimales.")
    return epsilon.quantize(Decimal(1).scaleb(-EPSILON_PLACES))


def epsilon_text(value: Decimal) -> str:
    """ε written in French without trailing zeros: 0.500 → "0,5", 2.000 → "2"."""
    return format(value.normalize(), "f").replace(".", ",")


def _measurement(scale: float) -> Any:
    """Discrete Laplace noise on a vector of counts, under the L1 distance between vectors.

    OpenDP is imported here, not with the module: the module is imported by every web and
    worker process (through the release pipeline), and OpenDP takes some 160 ms to load."""
    import opendp.prelude as dp

    # OpenDP keeps its constructors behind this flag until their proofs are vetted upstream.
    dp.enable_features("contrib")
    return dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale
    )


@dataclass(frozen=True)
class Plan:
    """How a release's ε is spent: one noise scale, each indicator's bound and its loss."""

    epsilon: Decimal
    scale: float
    losses: tuple[tuple[str, int, float], ...]  # indicator, contribution bound, ε (OpenDP's map)

    @property
    def epsilon_composed(self) -> float:
        return math.fsum(loss for _, _, loss in self.losses)

    def as_json(self) -> dict[str, Any]:
        return {
            "mechanism": MECHANISM,
            "library": "OpenDP make_laplace (entiers, Laplace discret)",
            "epsilon": str(self.epsilon),
            "epsilon_composed": self.epsilon_composed,
            "composition": "séquentielle simple : somme des ε des indicateurs",
            "unit": "les données d'une personne dans un département",
            "scale": self.scale,
            "standard_deviation": discrete_laplace_sd(self.scale),
            "indicators": [
                {
                    "indicator": code,
                    "contribution_bound": bound,
                    "why": BOUND_REASONS[code],
                    "epsilon": loss,
                }
                for code, bound, loss in self.losses
            ],
            "post_processing": (
                "départements bornés à 0 ; régions et France = somme des départements bruités "
                "avant bornage, puis bornée à 0 (sans ε supplémentaire)"
            ),
            "not_noised": [x.APPROVALS_IN_FORCE, x.SESSIONS_HELD],
        }


def plan_for(*, epsilon: Decimal) -> Plan:
    """Split ε across the indicators so that every figure gets the same noise scale, and check
    with OpenDP's privacy map that the composed loss does not exceed ε."""
    if not 0 < epsilon <= EPSILON_MAX:
        raise EpsilonError("ε doit être strictement positif et au plus 10.")
    total_bound = sum(CONTRIBUTION_BOUNDS.values())
    scale = total_bound / float(epsilon)
    # The map rounds up: a scale a few ulps wider brings the composed loss within ε.
    for _ in range(64):
        measurement = _measurement(scale)
        losses = tuple(
            (code, bound, float(measurement.map(bound)))
            for code, bound in CONTRIBUTION_BOUNDS.items()
        )
        if math.fsum(loss for _, _, loss in losses) <= float(epsilon):
            return Plan(epsilon=epsilon, scale=scale, losses=losses)
        scale = math.nextafter(scale, math.inf)
    raise AssertionError("no scale found within ε")  # pragma: no cover


def discrete_laplace_variance(scale: float) -> float:
    """Variance of the discrete Laplace distribution P(k) ∝ exp(-|k| / scale)."""
    q = math.exp(-1 / scale)
    return 2 * q / (1 - q) ** 2


def discrete_laplace_sd(scale: float) -> float:
    return math.sqrt(discrete_laplace_variance(scale))


def noise_counts(
    *, counts: Mapping[str, Mapping[str, int]], departements: Sequence[str], plan: Plan
) -> dict[str, dict[str, int]]:
    """Each noised indicator's counts over the départements, with noise: indicator → code →
    noisy count, which may be negative (post-processing clamps it)."""
    measurement = _measurement(plan.scale)
    noisy: dict[str, dict[str, int]] = {}
    for code, _, _ in plan.losses:
        values = [int(counts.get(code, {}).get(departement, 0)) for departement in departements]
        released = measurement(values) if values else []
        noisy[code] = dict(zip(departements, (int(v) for v in released), strict=True))
    return noisy


# A figure's place in the differentially private table: (level, code, indicator).
DpKey = tuple[str, str, str]


def post_process(
    *, noisy: Mapping[str, Mapping[str, int]], region_of: Mapping[str, str]
) -> dict[DpKey, int]:
    """Non-negative integers at every level; régions and France summed before clamping (see the
    module's docstring)."""
    figures: dict[DpKey, int] = {}
    for indicator, by_departement in noisy.items():
        regions: dict[str, int] = {}
        for code, value in by_departement.items():
            figures[("departement", code, indicator)] = max(0, value)
            region = region_of.get(code, "")
            regions[region] = regions.get(region, 0) + value
        for region, value in regions.items():
            if region:
                figures[("region", region, indicator)] = max(0, value)
        figures[("france", FRANCE, indicator)] = max(0, sum(by_departement.values()))
    return figures
