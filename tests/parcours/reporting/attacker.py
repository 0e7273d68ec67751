"""The adversary of the disclosure tests: what the public and each département can infer from a
release, decided by linear programs, independently of the code that protects the release.

It knows only what is published (exact figures; bands and any other published range as bounds;
a suppressed cell as a count of 0 or more) and the structure every reader knows:

- **levels**: a région's figure is the sum of its départements' (of those included), France's
  the sum of its régions';
- **margins**: each table's cells (one dimension at one place) sum to the indicator's figure
  there;
- **periods of one year** published together (the year, its quarters, its months): a flow of
  the year is the sum of its quarters' and of its months' (a quarter's, of its months'); a stock
  of the year is its last quarter's and its last month's (the same snapshot day).

Counts are relaxed to non-negative reals, so every interval found is one an attacker can prove
(the integers inside it may be fewer). The threats, each a function below:

- `protection_intervals`: the public proves a suppressed cell (or the sum of the suppressed parts
  of one equation) lies within 1..k-1, or pins it to a single value: the small group it hides
  is disclosed, as τ-ARGUS's protection intervals define it.
- `band_differences`: the public narrows a banded figure below its band, by differences across
  levels and across the periods of a year.
- `insiders`: one département, knowing all its own exact figures, pins another suppressed figure
  or narrows another band (the respondent attacker).

Speed: the equations never link two indicators (and link the periods of a year only within one
indicator), so the unknowns split into connected components, each its own small LP (HiGHS). In
each component, a few LPs that push many targets at once certify most of them safe from the
points they reach (any feasible point bounds every interval from inside); only the targets left
get their own two LPs, whose intervals are then exact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy import sparse

# (period, indicator, level, code, dimension, category); a margin has "" for both last two.
Place = tuple[str, str, str, str, str, str]
EPS = 1e-4  # far below any width between integer counts, far above HiGHS's tolerances
_LEVEL_RANK = {"departement": 0, "region": 1, "france": 2}


STATS: dict[str, int] = defaultdict(int)  # LPs solved, for the report's timings


class AttackError(AssertionError):
    """The published figures contradict the structure the attacker assumes."""


@dataclass(frozen=True)
class Figure:
    level: str
    code: str
    indicator: str
    dimension: str
    category: str
    disclosure: str
    value: int | None
    band_low: int | None
    band_high: int | None
    period: str = ""  # "2024", "2024-T1", "2024-03"; empty when one period is attacked alone

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.indicator, self.level, self.code, self.dimension, self.category)

    @property
    def place(self) -> Place:
        return (self.period, self.indicator, self.level, self.code, self.dimension, self.category)

    @property
    def bounds(self) -> tuple[float, float]:
        if self.disclosure == "exact" and self.value is not None:
            return (self.value, self.value)
        if self.band_low is not None or self.band_high is not None:
            return (
                float(self.band_low or 0),
                float(self.band_high) if self.band_high is not None else np.inf,
            )
        return (0.0, np.inf)


@dataclass(frozen=True)
class Interval:
    figure: Figure
    low: float
    high: float


@dataclass(frozen=True)
class Finding:
    """One disclosure: what is disclosed, how, and the interval the attacker proves."""

    threat: str  # "small cell", "pinned cell", "small sum", "band narrowed", "insider …"
    places: tuple[Place, ...]
    low: float
    high: float
    published: str = ""  # the band, for a narrowed band
    insider: str = ""  # the département that computed it

    def __str__(self) -> str:
        where = " + ".join("/".join(p for p in place if p) for place in self.places)
        by = f" by {self.insider}" if self.insider else ""
        band = f" (published {self.published})" if self.published else ""
        return f"{self.threat}{by}: {where} in [{self.low:g}, {self.high:g}]{band}"


def period_label(*, kind: str, start_year: int, start_month: int) -> str:
    """The label the attacker uses for a release's period (kind as `PeriodKind`)."""
    if kind == "year":
        return f"{start_year}"
    if kind == "quarter":
        return f"{start_year}-T{(start_month - 1) // 3 + 1}"
    return f"{start_year}-{start_month:02d}"


def _parse(period: str) -> tuple[str, str, int]:
    """("year" | "quarter" | "month", year, number within the year)."""
    if len(period) == 4:
        return "year", period, 0
    year, part = period.split("-")
    if part.startswith("T"):
        return "quarter", year, int(part[1:])
    return "month", year, int(part)


@dataclass
class Model:
    """Every published figure as a variable, every equation the public knows, and the unknowns
    (figures not published exactly) split into connected components."""

    figures: dict[Place, Figure]
    equations: list[dict[Place, int]]
    k: int
    amounts: frozenset[str] = frozenset()
    # Filled by `_index`: unknowns, their bounds, equations over them, components.
    unknowns: list[Place] = field(default_factory=list)
    index: dict[Place, int] = field(default_factory=dict)
    rows: list[dict[int, int]] = field(default_factory=list)
    rhs: list[float] = field(default_factory=list)
    components: list[tuple[list[int], list[int]]] = field(default_factory=list)
    component_of: dict[int, int] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        figures: Iterable[Figure],
        *,
        region_of: Mapping[str, str],
        k: int,
        stocks: Iterable[str] = (),
        amounts: Iterable[str] = (),
    ) -> Model:
        """`stocks`: indicators counted on the snapshot day (a year's = its last quarter's);
        `amounts`: indicators in euros, not persons (only their pinning is a disclosure)."""
        by_place = {f.place: f for f in figures}
        model = cls(
            figures=by_place,
            equations=structure(by_place, region_of=region_of, stocks=frozenset(stocks)),
            k=k,
            amounts=frozenset(amounts),
        )
        model._index()
        return model

    def _index(self) -> None:
        self.unknowns = sorted(p for p, f in self.figures.items() if f.disclosure != "exact")
        self.index = {p: i for i, p in enumerate(self.unknowns)}
        for equation in self.equations:
            row: dict[int, int] = {}
            constant = 0.0
            for place, coefficient in equation.items():
                if place in self.index:
                    row[self.index[place]] = coefficient
                else:
                    constant += coefficient * self.figures[place].bounds[0]
            if not row:
                if abs(constant) > EPS:
                    raise AttackError(f"published exact figures do not add up: {equation}")
                continue
            self.rows.append(row)
            self.rhs.append(-constant)
        parent = list(range(len(self.unknowns)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for row in self.rows:
            first, *rest = row
            for other in rest:
                a, b = find(first), find(other)
                if a != b:
                    parent[a] = b
        members: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.unknowns)):
            members[find(i)].append(i)
        equations_of: dict[int, list[int]] = defaultdict(list)
        for r, row in enumerate(self.rows):
            equations_of[find(next(iter(row)))].append(r)
        for root, variables in members.items():
            self.component_of.update({v: len(self.components) for v in variables})
            self.components.append((variables, equations_of[root]))

    def lower_upper(self) -> tuple[np.ndarray, np.ndarray]:
        bounds = np.array([self.figures[p].bounds for p in self.unknowns], dtype=float)
        if not len(bounds):
            return np.zeros(0), np.zeros(0)
        return bounds[:, 0].copy(), bounds[:, 1].copy()


def structure(
    figures: Mapping[Place, Figure], *, region_of: Mapping[str, str], stocks: frozenset[str]
) -> list[dict[Place, int]]:
    """The equations (place → coefficient, summing to 0) linking published figures; one is kept
    only when all its terms are published."""
    equations: list[dict[Place, int]] = []

    def equation(parts: Sequence[Place], total: Place) -> None:
        if total not in figures or not parts or not all(p in figures for p in parts):
            return
        row: dict[Place, int] = defaultdict(int)
        for p in parts:
            row[p] += 1
        row[total] -= 1
        equations.append(dict(row))

    categories: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    places: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for period, indicator, level, code, dimension, category in figures:
        categories[(period, indicator, dimension)].add(category)
        places[(period, indicator)].add((level, code))
    for (period, indicator, dimension), cats in categories.items():
        units = places[(period, indicator)]
        regions: dict[str, list[str]] = defaultdict(list)
        for level, code in sorted(units):
            if level == "departement":
                regions[region_of[code]].append(code)
        for category in sorted(cats):
            for region, codes in regions.items():
                equation(
                    [(period, indicator, "departement", c, dimension, category) for c in codes],
                    (period, indicator, "region", region, dimension, category),
                )
            equation(
                [(period, indicator, "region", r, dimension, category) for r in sorted(regions)],
                (period, indicator, "france", "FR", dimension, category),
            )
        if dimension:
            for level, code in units:
                equation(
                    [(period, indicator, level, code, dimension, c) for c in sorted(cats)],
                    (period, indicator, level, code, "", ""),
                )
    # The periods of one year: a year's flow is the sum of its quarters' (months'), its stock is
    # its last quarter's (month's).
    by_year: dict[str, dict[tuple[str, int], str]] = defaultdict(dict)
    for period in {p[0] for p in figures if p[0]}:
        kind, year, number = _parse(period)
        by_year[year][(kind, number)] = period
    for period, indicator, level, code, dimension, category in list(figures):
        kind, year, number = _parse(period) if period else ("", "", 0)
        if kind not in {"year", "quarter"}:
            continue
        rest = (indicator, level, code, dimension, category)
        known = by_year[year]
        if kind == "year":
            groups = [
                [known.get(("quarter", q)) for q in range(1, 5)],
                [known.get(("month", m)) for m in range(1, 13)],
            ]
        else:
            groups = [[known.get(("month", m)) for m in range(3 * number - 2, 3 * number + 1)]]
        for group in groups:
            if indicator in stocks and group[-1]:
                equation([(group[-1], *rest)], (period, *rest))
            elif indicator not in stocks and all(group):
                equation([(p, *rest) for p in group if p], (period, *rest))
    return equations


# A target: a linear form over unknowns, `safe(low, high)` on an interval that contains its
# every value, and `wants(low, high)` the directions (down, up) that could still make it safe.
@dataclass
class _Target:
    form: dict[int, int]
    safe: Callable[[float, float], bool]
    wants: Callable[[float, float], tuple[bool, bool]]
    low: float = np.inf  # the values seen at feasible points
    high: float = -np.inf
    exact: bool = False

    def settled(self) -> bool:
        """Safe for sure: the values seen already span a safe interval."""
        return self.low <= self.high and self.safe(self.low, self.high)


def _solve(
    model: Model,
    component: tuple[list[int], list[int]],
    targets: list[_Target],
    *,
    lower: np.ndarray,
    upper: np.ndarray,
    point: np.ndarray | None = None,
) -> None:
    """Decide each target of one component: sweeps first, then exact LPs for what is left."""
    variables, equations = component
    local = {v: i for i, v in enumerate(variables)}
    n = len(variables)
    data, rows, cols = [], [], []
    for r, e in enumerate(equations):
        for v, c in model.rows[e].items():
            rows.append(r)
            cols.append(local[v])
            data.append(c)
    a_eq = sparse.csr_matrix((data, (rows, cols)), shape=(len(equations), n))
    b_eq = np.array([model.rhs[e] for e in equations])
    lo, hi = lower[variables], upper[variables]
    forms = sparse.csr_matrix(
        (
            [c for t in targets for c in t.form.values()],
            (
                [i for i, t in enumerate(targets) for _ in t.form],
                [local[v] for t in targets for v in t.form],
            ),
        ),
        shape=(len(targets), n),
    )
    # Sweeps may cap the unbounded (their points stay feasible points of the real problem).
    cap = 10 * (float(np.max(np.abs(b_eq), initial=0)) + np.max(lo, initial=0) + model.k) + 100
    capped = np.minimum(hi, cap)
    lp = _Lp(a_eq, b_eq, lo, hi)

    def run(c: np.ndarray, bounded: np.ndarray) -> np.ndarray | None:
        STATS["lps"] += 1
        return lp.minimise(c, upper=bounded)

    def see(x: np.ndarray | None) -> None:
        if x is None:
            return
        values = forms @ x
        for t, value in zip(targets, values, strict=True):
            t.low, t.high = min(t.low, value), max(t.high, value)

    if point is not None:
        see(point[variables])
    rng = np.random.default_rng(len(variables) * 7919 + len(targets))
    open_ = [t for t in targets if not t.settled()]
    for _ in range(6):
        if not open_:
            return
        before = len(open_)
        for direction in (0, 1):  # 0: push the targets wanting to go down, 1: up
            c = np.zeros(n)
            for t in open_:
                if t.wants(t.low, t.high)[direction]:
                    weight = rng.uniform(0.5, 1.5) * (1 if direction == 0 else -1)
                    for v, coefficient in t.form.items():
                        c[local[v]] += weight * coefficient
            if c.any():
                x = run(c, capped)
                if x is None:  # bounded, so HiGHS's "unbounded or infeasible" is infeasible
                    raise AttackError("the published figures admit no solution")
                see(x)
        open_ = [t for t in open_ if not t.settled()]
        if len(open_) == before:
            break
    for t in open_:
        if t.settled():
            continue
        c = np.zeros(n)
        for v, coefficient in t.form.items():
            c[local[v]] = coefficient
        x = run(c, hi)
        low = float(c[np.nonzero(c)] @ x[np.nonzero(c)]) if x is not None else -np.inf
        see(x)
        x = run(-c, hi)
        high = float(c[np.nonzero(c)] @ x[np.nonzero(c)]) if x is not None else np.inf
        see(x)
        t.low, t.high, t.exact = low, high, True


class _Lp:
    """One component's LP in HiGHS, kept between objectives (the simplex restarts from the last
    basis, a warm start); `minimise` returns a minimising point, or None when unbounded."""

    def __init__(
        self, a_eq: sparse.csr_matrix, b_eq: np.ndarray, lower: np.ndarray, upper: np.ndarray
    ) -> None:
        self.n = a_eq.shape[1]
        self.columns = np.arange(self.n, dtype=np.int32)
        self.lower = lower
        self.upper = upper.copy()
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        csc = a_eq.tocsc()
        lp = highspy.HighsLp()
        lp.num_col_ = self.n
        lp.num_row_ = a_eq.shape[0]
        lp.col_cost_ = np.zeros(self.n)
        lp.col_lower_ = lower
        lp.col_upper_ = np.where(np.isinf(upper), highspy.kHighsInf, upper)
        lp.row_lower_ = b_eq
        lp.row_upper_ = b_eq
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
        lp.a_matrix_.index_ = csc.indices.astype(np.int32)
        lp.a_matrix_.value_ = csc.data.astype(float)
        self.highs.passModel(lp)

    def minimise(self, cost: np.ndarray, *, upper: np.ndarray) -> np.ndarray | None:
        if not np.array_equal(upper, self.upper):
            changed = np.nonzero(upper != self.upper)[0].astype(np.int32)
            self.highs.changeColsBounds(
                len(changed),
                changed,
                self.lower[changed],
                np.where(np.isinf(upper[changed]), highspy.kHighsInf, upper[changed]),
            )
            self.upper = upper.copy()
        self.highs.changeColsCost(self.n, self.columns, cost.astype(float))
        self.highs.run()
        status = self.highs.getModelStatus()
        if status in (
            highspy.HighsModelStatus.kUnbounded,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            return None  # only a maximum of a suppressed cell can be unbounded
        if status != highspy.HighsModelStatus.kOptimal:
            raise AttackError(f"the published figures admit no solution: {status}")
        return np.array(self.highs.getSolution().col_value)


def _small(model: Model, place: Place) -> bool:
    return place[1] not in model.amounts


def _cell_target(model: Model, place: Place, *, small: bool) -> _Target:
    k = model.k

    def safe(low: float, high: float) -> bool:
        if high - low <= EPS:
            return high <= EPS  # a hidden zero found to be zero: zeros are published anyway
        return not small or low < 1 - EPS or high > k - 1 + EPS

    def wants(low: float, high: float) -> tuple[bool, bool]:
        return (True, True)

    return _Target({model.index[place]: 1}, safe, wants)


def _sum_target(model: Model, places: Sequence[Place]) -> _Target:
    k = model.k

    def safe(low: float, high: float) -> bool:
        return low < 1 - EPS or high > k - 1 + EPS

    def wants(low: float, high: float) -> tuple[bool, bool]:
        return (True, True)

    return _Target({model.index[p]: 1 for p in places}, safe, wants)


def _band_target(model: Model, place: Place) -> _Target:
    band_low, band_high = model.figures[place].bounds

    def safe(low: float, high: float) -> bool:
        return low <= band_low + EPS and high >= band_high - EPS

    def wants(low: float, high: float) -> tuple[bool, bool]:
        return (low > band_low + EPS, high < band_high - EPS)

    return _Target({model.index[place]: 1}, safe, wants)


def _band(figure: Figure) -> str:
    return f"{figure.band_low}–{figure.band_high}"


def _run(
    model: Model,
    targets: Mapping[object, _Target],
    *,
    lower: np.ndarray,
    upper: np.ndarray,
    point: np.ndarray | None = None,
    components: Iterable[int] | None = None,
) -> None:
    grouped: dict[int, list[_Target]] = defaultdict(list)
    for t in targets.values():
        grouped[model.component_of[next(iter(t.form))]].append(t)
    for c in sorted(grouped) if components is None else sorted(set(components) & set(grouped)):
        _solve(model, model.components[c], grouped[c], lower=lower, upper=upper, point=point)


def protection_intervals(model: Model) -> list[Finding]:
    """The public, against suppressed cells: from every published figure and equation, it proves
    a suppressed cell lies within 1..k-1 (or pins it to a single value other than a hidden
    zero), or proves that the suppressed parts of one equation (two départements' hidden cells
    of one région, say) add up to 1..k-1. Either discloses that a group of fewer than k persons
    exists; a safe interval includes 0 or reaches k."""
    lower, upper = model.lower_upper()
    targets: dict[object, _Target] = {}
    for place in model.unknowns:
        if model.figures[place].disclosure == "suppressed":
            targets[place] = _cell_target(model, place, small=_small(model, place))
    groups: set[tuple[Place, ...]] = set()
    for equation in model.equations:
        [total] = [p for p, c in equation.items() if c < 0]
        if model.figures[total].disclosure != "exact":
            # A banded total already says its group is small; a suppressed one is a cell above.
            continue
        hidden = tuple(
            sorted(
                p
                for p, c in equation.items()
                if c > 0 and model.figures[p].disclosure == "suppressed" and _small(model, p)
            )
        )
        if len(hidden) >= 2:
            groups.add(hidden)
    for group in sorted(groups):
        targets[group] = _sum_target(model, group)
    _run(model, targets, lower=lower, upper=upper)
    findings = []
    for key, t in targets.items():
        if not t.exact or t.safe(t.low, t.high):
            continue
        places = key if isinstance(key, tuple) and isinstance(key[0], tuple) else (key,)
        if len(places) > 1:
            threat = "small sum"
        elif t.high - t.low <= EPS:
            threat = "pinned cell"
        else:
            threat = "small cell"
        findings.append(Finding(threat, places, t.low, t.high))  # type: ignore[arg-type]
    return sorted(findings, key=_order)


def band_differences(model: Model) -> list[Finding]:
    """The public, against bands: a figure published as its band (1–5) is narrowed by
    differences, across levels (a région's exact total minus its other départements') and
    across the periods of one year (a year's flow minus its quarters'); the band then no longer
    hides the count it was chosen to hide."""
    lower, upper = model.lower_upper()
    targets = {
        p: _band_target(model, p)
        for p in model.unknowns
        if model.figures[p].disclosure != "suppressed"
    }
    _run(model, targets, lower=lower, upper=upper)
    return sorted(
        (
            Finding("band narrowed", (p,), t.low, t.high, published=_band(model.figures[p]))
            for p, t in targets.items()
            if t.exact and not t.safe(t.low, t.high)
        ),
        key=_order,
    )


def insiders(
    model: Model,
    *,
    truth: Mapping[Place, int],
    region_of: Mapping[str, str],
    codes: Iterable[str] | None = None,
    public: Iterable[Finding] | None = None,
) -> list[Finding]:
    """Each département as an insider (the respondent attacker): it knows all its own exact
    figures (every indicator, margin and cell of its own row, in every period published) and
    must not pin any other suppressed figure (another département's cell, or a région's or
    France's cell made of others' counts, which gives their sum) nor narrow another
    département's band or the band of a total it is not part of. `codes`: the insiders
    (by default every département with a positive figure); `public`: what the public models
    found already (computed when not given), left out here."""
    lower0, upper0 = model.lower_upper()
    point = np.array([truth.get(p, np.nan) for p in model.unknowns], dtype=float)
    if np.isnan(point).any():
        raise AttackError("the insider needs the true value of every figure not published")
    deps = sorted({p[3] for p in model.figures if p[2] == "departement"})
    if codes is None:
        codes = [c for c in deps if any(truth.get(p, 0) > 0 for p in _own_rows(model, c))]
    members = _members(model, region_of)
    if public is None:
        public = protection_intervals(model) + band_differences(model)
    disclosed = {p for f in public if len(f.places) == 1 for p in f.places}
    findings: list[Finding] = []
    for code in codes:
        own = {p for p in _own_rows(model, code)}
        own |= {p for p in model.figures if p[2] != "departement" and members[p[:4]] == {code}}
        fixed = [model.index[p] for p in own if p in model.index]
        if not fixed:
            continue
        lower, upper = lower0.copy(), upper0.copy()
        for v in fixed:
            lower[v] = upper[v] = truth[model.unknowns[v]]
        touched = {model.component_of[v] for v in fixed}
        targets: dict[Place, _Target] = {}
        for v, place in enumerate(model.unknowns):
            if place in own or place in disclosed or model.component_of[v] not in touched:
                continue
            inside = code in members[place[:4]] and place[2] != "departement"
            if inside and all(
                model.figures.get(other, _HIDDEN).disclosure == "exact"
                for other in _parts(place, members[place[:4]] - {code})
            ):
                continue  # its own count plus published ones: nothing to learn
            if model.figures[place].disclosure == "suppressed" or inside:
                # A total the insider is part of narrows with its own count, which teaches it
                # nothing; pinned, it gives the others' sum exactly.
                targets[place] = _cell_target(model, place, small=False)
            else:
                targets[place] = _band_target(model, place)
        _run(model, targets, lower=lower, upper=upper, point=point, components=touched)
        for place, t in targets.items():
            if t.exact and not t.safe(t.low, t.high):
                f = model.figures[place]
                own_part = _parts(place, [code])[0]
                if place[2] != "departement" and _public_knows(
                    model, {place: 1, own_part: -1}, lower=lower0, upper=upper0
                ):
                    continue  # the others' part was public already
                threat = "insider narrows" if f.disclosure == "banded" else "insider pins"
                band = _band(f) if f.disclosure != "suppressed" else ""
                findings.append(Finding(threat, (place,), t.low, t.high, band, insider=code))
    return sorted(findings, key=lambda f: (f.insider, _order(f)))


def _public_knows(
    model: Model, form: Mapping[Place, int], *, lower: np.ndarray, upper: np.ndarray
) -> bool:
    """Whether the public pins a linear form of published figures (a total minus a part)."""
    by_component: dict[int, dict[int, int]] = defaultdict(dict)
    for place, coefficient in form.items():
        if place in model.index:
            v = model.index[place]
            by_component[model.component_of[v]][v] = coefficient
    never: Callable[[float, float], bool] = lambda low, high: False  # noqa: E731
    for c, part in by_component.items():
        target = _Target(part, never, lambda low, high: (True, True))
        _solve(model, model.components[c], [target], lower=lower, upper=upper)
        if target.high - target.low > EPS:
            return False
    return True


_HIDDEN = Figure("", "", "", "", "", "suppressed", None, None, None)


def _parts(place: Place, codes: Iterable[str]) -> list[Place]:
    """The départements' figures that a région's or France's figure sums."""
    period, indicator, _, _, dimension, category = place
    return [(period, indicator, "departement", c, dimension, category) for c in sorted(codes)]


def _own_rows(model: Model, code: str) -> list[Place]:
    return [p for p in model.figures if p[2] == "departement" and p[3] == code]


def _members(
    model: Model, region_of: Mapping[str, str]
) -> dict[tuple[str, str, str, str], set[str]]:
    """The départements included in each (period, indicator, level, code)."""
    members: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
    for period, indicator, level, code, dimension, _ in model.figures:
        if level == "departement" and not dimension:
            members[(period, indicator, level, code)].add(code)
            members[(period, indicator, "region", region_of[code])].add(code)
            members[(period, indicator, "france", "FR")].add(code)
    return members


def _order(finding: Finding) -> tuple:
    p = finding.places[0]
    return (p[1], p[0], _LEVEL_RANK.get(p[2], 3), p[3], p[4], p[5], finding.threat)


def attack(figures: Iterable[Figure], *, region_of: Mapping[str, str]) -> list[Interval]:
    """The exact interval of every suppressed cell, given every other published figure."""
    model = Model.build(figures, region_of=region_of, k=1)
    lower, upper = model.lower_upper()
    never: Callable[[float, float], bool] = lambda low, high: False  # noqa: E731
    targets = {
        p: _Target({model.index[p]: 1}, never, lambda low, high: (True, True))
        for p in model.unknowns
        if model.figures[p].disclosure == "suppressed"
    }
    _run(model, targets, lower=lower, upper=upper)
    return [Interval(model.figures[p], t.low, t.high) for p, t in targets.items()]
