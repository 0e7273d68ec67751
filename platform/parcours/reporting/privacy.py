"""The differentially private release of the open data: the mechanism, pure functions.

What is protected is one person's records in a département's schema. Adding or removing them
changes each count below by at most its *contribution bound*, in one département, so in one
région and in France too: a vector of one level's counts (France alone, the régions, or the
départements × categories of a breakdown) has an L1 sensitivity equal to that bound.

**Each level is noised from its own share of ε**, never derived from another level's noise.
Summing 101 noisy départements gives France the noise of all of them (ten times one
département's spread): at ε = 1 the France figures came out hundreds away from the truth. Each
level is instead measured directly, with discrete Laplace noise (OpenDP's `make_laplace` on
integers: no floating-point sampling, whose rounding leaks):

- France and the régions: the totals of the key indicators (`TOTALS`, those the trends and the
  annual report follow). Fewer indicators leave each a larger part of the level's ε, hence less
  noise; the other indicators are not in the noisy release at all (`NOT_NOISED`).
- Départements: the breakdowns of the persons in pathway by sex, age band and world region of
  nationality (`BREAKDOWNS`), the cells the exact release mostly suppresses (a département's
  cells are under k). One person is in one category of each dimension, in one département, so
  each breakdown's vector has sensitivity 1, by construction: the extraction counts each
  person once, whatever pathways the rows hold (`extraction._persons_in_pathway`, tenant side).
  Département *totals* are not noised: the exact
  release shows them exactly from k and as a 1–5 or 6–10 band below, and noise of any affordable
  ε would be wider than the band.

Within a level, ε is split in proportion to the bounds, so every figure of a level has the same
scale (the level's total bound over its ε). OpenDP's privacy map gives each query's loss, and
the losses add up (basic sequential composition across levels and indicators) to at most the ε
stated and counted against the year's budget; the split is stored with the ledger line.

**The error is stated with every figure**: the half-width t of its 95 % interval, computed
exactly from the discrete Laplace distribution of its scale (P(|noise| ≤ t) ≥ 0.95, t the
smallest such integer). Post-processing costs no ε and never widens that interval: a negative
draw is shown as 0 (if the truth is non-negative, clamping only moves the figure towards it).
The levels are not made consistent with one another: France is not the sum of the régions, nor
a département's noisy cells that of its exact total. Each figure is the direct, unbiased (before
clamping) estimate of its own cell; forcing sums would move the precise France figure by the
noise of the coarser levels or bias the small cells.

Institution figures (approvals in force, sessions held) are about no person: they are not part
of the differentially private release and cost no ε; they stay in the exact release.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from parcours.errors import Refused
from parcours.reporting import vocabulary as x
from parcours.reporting.disclosure import FRANCE

MECHANISM = "discrete_laplace"
FRANCE_LEVEL, REGION_LEVEL, DEPARTEMENT_LEVEL = "france", "region", "departement"
# The most one person's records add to an indicator's count in one département over one
# period (a year at most), and why. Where the count is of distinct persons the bound holds by
# construction; elsewhere the extraction caps each person's contribution at the bound
# (`vocabulary.DP_CAPS`, sent apart), and `BOUND_REASONS` says why the cap loses nothing in a
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
# The totals noised at the France and région levels: the key figures (`indicators.KEY`, not
# imported: this module stays free of the database).
TOTALS: tuple[str, ...] = (
    x.PERSONS_IN_PATHWAY,
    x.FIRST_REQUESTS,
    x.AUTHORISATIONS,
    x.EXITS,
    x.AFIS_BENEFICIARIES,
)
# The breakdowns noised at the département level: (indicator, dimension), sensitivity 1 each.
BREAKDOWNS: tuple[tuple[str, str], ...] = (
    (x.PERSONS_IN_PATHWAY, x.DIMENSION_SEX),
    (x.PERSONS_IN_PATHWAY, x.DIMENSION_AGE),
    (x.PERSONS_IN_PATHWAY, x.DIMENSION_WORLD_REGION),
)
BREAKDOWN_REASON = (
    "1 : une personne est dans une seule catégorie, avec un seul parcours en cours à la fois "
    "(une seconde demande est refusée tant qu'un parcours est en cours ou demandé)"
)
NOISED_INDICATORS: tuple[str, ...] = tuple(dict.fromkeys([*TOTALS, *(i for i, _ in BREAKDOWNS)]))
NOT_NOISED: tuple[str, ...] = (
    *(code for code in CONTRIBUTION_BOUNDS if code not in TOTALS),
    x.APPROVALS_IN_FORCE,
    x.SESSIONS_HELD,
)
# Each level's share of the release's ε: two fifths for France, whose totals are read first,
# two for the départements' cells, where noise adds what the exact release hides; one for the
# régions, whose exact totals are mostly published already.
LEVEL_SHARES: tuple[tuple[str, Fraction], ...] = (
    (FRANCE_LEVEL, Fraction(2, 5)),
    (REGION_LEVEL, Fraction(1, 5)),
    (DEPARTEMENT_LEVEL, Fraction(2, 5)),
)
CONFIDENCE = 0.95

# ε is typed by people: decimals with a point or a comma, at most three decimals (the ledger's
# precision), and never above this: with ε = 10 a person's presence may change the odds of an
# outcome e¹⁰ ≈ 22,000 times, which protects nothing.
EPSILON_MAX = Decimal(10)
EPSILON_PLACES = 3
_EPSILON_TEXT = re.compile(r"[0-9]{1,3}(?:[.,][0-9]{1,12})?")


class EpsilonError(Refused, ValueError):
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


def discrete_laplace_variance(scale: float) -> float:
    """Variance of the discrete Laplace distribution P(k) ∝ exp(-|k| / scale)."""
    q = math.exp(-1 / scale)
    return 2 * q / (1 - q) ** 2


def discrete_laplace_sd(scale: float) -> float:
    return math.sqrt(discrete_laplace_variance(scale))


def discrete_laplace_tail(scale: float, t: int) -> float:
    """P(|noise| > t) for P(k) = (1 - q) / (1 + q) · q^|k|, q = exp(-1 / scale): the two tails
    beyond t are geometric series, 2 · q^(t+1) / (1 + q)."""
    q = math.exp(-1 / scale)
    return 2 * q ** (t + 1) / (1 + q)


def half_width(scale: float, *, confidence: float = CONFIDENCE) -> int:
    """The smallest integer t with P(|noise| ≤ t) ≥ confidence: the figure ± t holds the true
    count with that probability (before clamping at 0, which only moves towards the truth)."""
    q = math.exp(-1 / scale)
    # Solve 2 q^(t+1) / (1 + q) = 1 - confidence, then settle on the integer by the exact tail.
    t = max(0, math.ceil(math.log((1 - confidence) * (1 + q) / 2) / math.log(q)) - 1)
    while discrete_laplace_tail(scale, t) > 1 - confidence:
        t += 1
    while t > 0 and discrete_laplace_tail(scale, t - 1) <= 1 - confidence:
        t -= 1
    return t


@dataclass(frozen=True)
class Query:
    """One noisy vector: a level's totals of one indicator, or the départements' cells of one
    breakdown. `epsilon` is OpenDP's privacy map of the scale at the bound."""

    level: str
    indicator: str
    dimension: str  # "" for a total
    bound: int
    scale: float
    epsilon: float

    @property
    def half_width(self) -> int:
        return half_width(self.scale)

    def as_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "indicator": self.indicator,
            "dimension": self.dimension,
            "contribution_bound": self.bound,
            "why": BREAKDOWN_REASON if self.dimension else BOUND_REASONS[self.indicator],
            "epsilon": self.epsilon,
            "scale": self.scale,
            "standard_deviation": discrete_laplace_sd(self.scale),
            "half_width_95": self.half_width,
        }


def _specs() -> list[tuple[str, str, str, int]]:
    """(level, indicator, dimension, bound) of every query, in the order they are drawn."""
    return [
        *(
            (level, code, "", CONTRIBUTION_BOUNDS[code])
            for level in (FRANCE_LEVEL, REGION_LEVEL)
            for code in TOTALS
        ),
        *((DEPARTEMENT_LEVEL, code, dimension, 1) for code, dimension in BREAKDOWNS),
    ]


@dataclass(frozen=True)
class Plan:
    """How a release's ε is spent: each level's share, and each query's bound, scale and loss."""

    epsilon: Decimal
    queries: tuple[Query, ...]

    @property
    def epsilon_composed(self) -> float:
        return math.fsum(query.epsilon for query in self.queries)

    def level_epsilon(self, level: str) -> float:
        return math.fsum(query.epsilon for query in self.queries if query.level == level)

    def query(self, *, level: str, indicator: str, dimension: str = "") -> Query:
        return next(
            q
            for q in self.queries
            if (q.level, q.indicator, q.dimension) == (level, indicator, dimension)
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "mechanism": MECHANISM,
            "library": "OpenDP make_laplace (entiers, Laplace discret)",
            "epsilon": str(self.epsilon),
            "epsilon_composed": self.epsilon_composed,
            "composition": "séquentielle simple : somme des ε de chaque niveau et indicateur",
            "unit": "les données d'une personne dans un département",
            "confidence": CONFIDENCE,
            "levels": [
                {
                    "level": level,
                    "share": str(share),
                    "epsilon": self.level_epsilon(level),
                    "scale": next(q.scale for q in self.queries if q.level == level),
                    "half_width_95": next(q.half_width for q in self.queries if q.level == level),
                }
                for level, share in LEVEL_SHARES
            ],
            "queries": [query.as_json() for query in self.queries],
            "post_processing": "valeurs négatives ramenées à 0 (sans ε supplémentaire)",
            "consistency": (
                "chaque niveau est bruité séparément : la France n'est pas la somme des régions, "
                "ni les cellules bruitées d'un département la somme de son total exact"
            ),
            "not_noised": list(NOT_NOISED),
        }


def plan_for(*, epsilon: Decimal) -> Plan:
    """Split ε between the levels (`LEVEL_SHARES`), then within a level in proportion to the
    bounds (one scale per level), and check with OpenDP's privacy map that the composed loss of
    every query does not exceed ε."""
    if not 0 < epsilon <= EPSILON_MAX:
        raise EpsilonError("ε doit être strictement positif et au plus 10.")
    specs = _specs()
    scales = {}
    for level, share in LEVEL_SHARES:
        level_bound = sum(bound for spec_level, _, _, bound in specs if spec_level == level)
        scales[level] = level_bound / (float(epsilon) * float(share))
    # The map rounds up: scales a few ulps wider bring the composed loss within ε.
    for _ in range(64):
        measurements = {level: _measurement(scale) for level, scale in scales.items()}
        queries = tuple(
            Query(
                level=level,
                indicator=code,
                dimension=dimension,
                bound=bound,
                scale=scales[level],
                epsilon=float(measurements[level].map(bound)),
            )
            for level, code, dimension, bound in specs
        )
        plan = Plan(epsilon=epsilon, queries=queries)
        if plan.epsilon_composed <= float(epsilon):
            return plan
        scales = {level: math.nextafter(scale, math.inf) for level, scale in scales.items()}
    raise AssertionError("no scale found within ε")  # pragma: no cover


# A figure's place in the differentially private release: (level, code, indicator, dimension,
# category); totals have "" for both of the last two.
DpKey = tuple[str, str, str, str, str]


@dataclass(frozen=True)
class Truth:
    """The true counts the noise is added to, never published: each total's (capped) counts by
    département, and each breakdown's counts by (département, category)."""

    departements: Sequence[str]
    region_of: Mapping[str, str]
    totals: Mapping[str, Mapping[str, int]]
    breakdowns: Mapping[str, Mapping[tuple[str, str], int]]  # dimension → (code, category) → n
    categories: Mapping[str, Sequence[str]]  # dimension → every category, zeros included


def true_vectors(*, plan: Plan, truth: Truth) -> list[tuple[Query, list[DpKey], list[int]]]:
    """Each query's cells and true counts. The cells depend on public facts only (the
    départements included, their régions, the categories), never on the counts: which cells
    exist must not tell whether someone does."""
    regions = sorted({truth.region_of[code] for code in truth.departements} - {""})
    vectors = []
    for query in plan.queries:
        code, dimension = query.indicator, query.dimension
        by_departement = truth.totals.get(code, {})
        if query.level == FRANCE_LEVEL:
            keys: list[DpKey] = [(FRANCE_LEVEL, FRANCE, code, "", "")]
            values = [sum(int(by_departement.get(d, 0)) for d in truth.departements)]
        elif query.level == REGION_LEVEL:
            keys = [(REGION_LEVEL, region, code, "", "") for region in regions]
            values = [
                sum(
                    int(by_departement.get(d, 0))
                    for d in truth.departements
                    if truth.region_of[d] == region
                )
                for region in regions
            ]
        else:
            cells = truth.breakdowns.get(dimension, {})
            keys = [
                (DEPARTEMENT_LEVEL, d, code, dimension, category)
                for d in truth.departements
                for category in truth.categories[dimension]
            ]
            values = [int(cells.get((d, category), 0)) for _, d, _, _, category in keys]
        vectors.append((query, keys, values))
    return vectors


def noisy_figures(*, plan: Plan, truth: Truth) -> dict[DpKey, int]:
    """Every query's vector with its noise, negative draws shown as 0."""
    measurements: dict[float, Any] = {}
    figures: dict[DpKey, int] = {}
    for query, keys, values in true_vectors(plan=plan, truth=truth):
        if not values:
            continue
        measurement = measurements.setdefault(query.scale, _measurement(query.scale))
        released = measurement(values)
        figures.update(zip(keys, (max(0, int(v)) for v in released), strict=True))
    return figures
