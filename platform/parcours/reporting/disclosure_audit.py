"""The release's own attacker: a protected table audited as the public and an insider would
attack it, before anything is published. Pure functions over plain data, no database.

`disclosure.py` protects a table in a fast first pass (primary suppression, then complements
until the exact elimination finds no suppressed cell pinned). That pass is blind to bounds: it
cannot see that a hidden cell lies between 1 and k-1 (the existence of a small group is
disclosed although its size is not), that two hidden cells add up to an exact 2, that a band
is narrowed, or what a département learns with its own exact figures. The audit here sees all
of that, and `disclosure.py` adds complements until it finds nothing (or withholds the table).

**The public** is a linear program over everything published for one indicator (indicators
share no equation): exact figures are constants, a band or a range bounds its figure, a
suppressed cell lies in [0, ∞), and every row, column and level sums to its total. HiGHS
(`highspy`) solves it once, then re-solves for each objective from the last basis (a change of
objective keeps the basis feasible, so a re-solve is a few pivots). Counts are integers: an
interval [0.4, 10.7] is read as [1, 10]. What is a disclosure:

- a suppressed cell whose interval lies inside 1..k-1 (it must include 0 or reach k: a
  protection interval, as τ-ARGUS sets one), or is a single value (a hidden zero of a swap may
  be found to be zero: zeros are published anyway);
- the sum of the suppressed parts of one equation inside 1..k-1 (two départements' hidden
  cells that add up to an exact 2), unless the total is a band and the parts are all of it
  (a row of cells under a `1–5` margin adds up to its band, which is published);
- a band or a range narrowed below its published width (a range that exact cells would add
  up to exactly, for instance).

**The insider** is a département knowing all of its own exact figures (its *Nos chiffres*
page). Moving its cells to the known side, the exact elimination of `disclosure.py`, restricted
to the equations those cells touch and the suppressed cells connected to them, decides which
other suppressed cells it computes exactly. A cell of a région or France counts when persons of
other départements are in it. The elimination treats the margins as known exactly (a stronger
attacker than the bands allow: it may ask one complement too many, never one too few for what
equations alone pin); what bounds alone pin for an insider (two hidden cells of 5 each under a
`1–5` band adding up to an exact 10) is not modelled: see README, "Known limits".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from parcours.errors import DomainError

# (level, code, dimension, category), as in disclosure.Key.
Key = tuple[str, str, str, str]
_EPS = 1e-6


@dataclass(frozen=True)
class Violation:
    """What an attacker learns: `kind` is "small", "pinned", "narrowed", "small_sum" or
    "insider"; `keys` the figures at fault; `equations` where complements can be found."""

    kind: str
    keys: tuple[Key, ...]
    equations: tuple[int, ...]
    by: str = ""  # the insider département


class PublicAttacker:
    """The linear program of one indicator, solved for min and max of any sum of its figures.

    Every solution found is kept: a cell some solution already puts at 0 needs no program of its
    own (its interval includes 0), nor a band some solutions already take to both ends. On the
    2024 release that spares most of the programs: minimising one cell moves its neighbours too.
    """

    def __init__(
        self,
        *,
        values: Mapping[Key, int],
        bounds: Mapping[Key, tuple[float, float]],
        equations: Sequence[Mapping[Key, int]],
    ) -> None:
        # Published exact figures are constants; only the others are columns.
        self.column = {key: i for i, key in enumerate(sorted(bounds))}
        self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        inf = highspy.kHighsInf
        for key in sorted(bounds):
            low, high = bounds[key]
            self.highs.addVar(low, inf if math.isinf(high) else high)
        for equation in equations:
            indices = [self.column[k] for k in equation if k in self.column]
            if not indices:
                continue
            rhs = -sum(c * values[k] for k, c in equation.items() if k not in self.column)
            coefficients = [float(equation[k]) for k in equation if k in self.column]
            self.highs.addRow(rhs, rhs, len(indices), indices, coefficients)
        self._costed: list[int] = []
        # The true values are a solution.
        truth = np.array([float(values[key]) for key in self.column])
        self._low = truth.copy()
        self._high = truth.copy()
        self._solutions: list[np.ndarray] = [truth]
        self._stacked = np.vstack(self._solutions)

    def seen_sum_low(self, keys: Sequence[Key]) -> float:
        """The smallest sum of `keys` in the solutions found so far (an upper bound of its
        minimum: below 1, the sum can reach 0)."""
        indices = [self.column[k] for k in keys]
        if len(self._stacked) != len(self._solutions):
            self._stacked = np.vstack(self._solutions)
        return float(self._stacked[:, indices].sum(axis=1).min())

    def seen_low(self, key: Key) -> float:
        return float(self._low[self.column[key]])

    def seen_high(self, key: Key) -> float:
        return float(self._high[self.column[key]])

    def interval(self, keys: Sequence[Key]) -> tuple[float, float]:
        """The smallest and largest value the sum of `keys` can take; the largest only when the
        smallest is 1 or more (an interval reaching 0 breaks no rule), else inf."""
        if len(keys) == 1 and self.seen_low(keys[0]) < 1 - _EPS:
            return self.seen_low(keys[0]), math.inf
        low = self._solve(keys, 1.0)
        if _integer_low(low) < 1:
            return low, math.inf
        return low, self._solve(keys, -1.0)

    def reaches(self, key: Key, low: float, high: float) -> bool:
        """Whether the figure can take both `low` and `high` (its published ends)."""
        if self.seen_low(key) > low + _EPS and self._solve([key], 1.0) > low + _EPS:
            return False
        return not (self.seen_high(key) < high - _EPS and self._solve([key], -1.0) < high - _EPS)

    def _solve(self, keys: Sequence[Key], sign: float) -> float:
        indices = [self.column[k] for k in keys]
        if self._costed:
            self.highs.changeColsCost(len(self._costed), self._costed, [0.0] * len(self._costed))
        self.highs.changeColsCost(len(indices), indices, [sign] * len(indices))
        self._costed = indices
        self.highs.run()
        status = self.highs.getModelStatus()
        if status not in _DECIDED:
            # A warm start can leave HiGHS undecided on a degenerate table: solve from scratch.
            self.highs.clearSolver()
            self.highs.run()
            status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            solution = np.asarray(self.highs.getSolution().col_value, dtype=float)
            self._solutions.append(solution)
            np.minimum(self._low, solution, out=self._low)
            np.maximum(self._high, solution, out=self._high)
            return sign * float(self.highs.getInfo().objective_function_value)
        if status in (
            highspy.HighsModelStatus.kUnbounded,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            if sign < 0:
                self._high[indices] = math.inf
            return -sign * math.inf
        # Never a crash of the release: the caller withholds the table rather than publish a
        # figure the audit could not vouch for (services: "withheld" in the release's rules).
        raise DisclosureError(f"the audit could not decide a figure: {status}")


class DisclosureError(DomainError, ValueError):
    """The counts cannot be published as given (inconsistent margins, nothing left to hide, a
    figure the audit cannot decide)."""


_DECIDED = (
    highspy.HighsModelStatus.kOptimal,
    highspy.HighsModelStatus.kUnbounded,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
)


def _integer_low(value: float) -> float:
    return value if math.isinf(value) else math.ceil(value - _EPS)


def _integer_high(value: float) -> float:
    return value if math.isinf(value) else math.floor(value + _EPS)


def public_violations(
    *,
    values: Mapping[Key, int],
    bounds: Mapping[Key, tuple[float, float]],
    equations: Sequence[Mapping[Key, int]],
    where: Mapping[Key, Sequence[int]],
    suppressed: set[Key],
    k: int,
    small_ok: Callable[[Key], bool] = lambda key: False,
    only: set[Key] | None = None,
) -> list[Violation]:
    """What the public learns from one indicator's published figures.

    `bounds` covers every figure not published exactly (suppressed cells: (0, inf); bands and
    ranges: their ends); `values` are the true values of every figure. `small_ok` exempts a
    figure from the 1..k-1 rule (an amount of money is not a count of persons). With `only`,
    just those figures and the equations they are in are checked: suppressing a cell only
    relaxes the program, so after a round of complements what was safe stays safe.
    """
    attacker = PublicAttacker(values=values, bounds=bounds, equations=equations)
    checked = set(bounds) if only is None else set(bounds) & only
    found: list[Violation] = []
    # One program first that pushes every hidden cell down at once: most reach 0 there.
    hidden = sorted(checked & suppressed)
    if len(hidden) > 1:
        attacker.interval(hidden)
    for key in hidden:
        low, high = attacker.interval([key])
        low_i, high_i = _integer_low(low), _integer_high(high)
        if low_i < 1:
            continue  # includes 0 (a hidden zero may be found to be zero)
        if low_i == high_i:
            found.append(Violation("pinned", (key,), tuple(where[key])))
        elif high_i <= k - 1 and not small_ok(key):
            found.append(Violation("small", (key,), tuple(where[key])))
    for key in sorted(checked - suppressed):
        if not attacker.reaches(key, *bounds[key]):
            found.append(Violation("narrowed", (key,), tuple(where[key])))
    indices = (
        range(len(equations))
        if only is None
        else sorted({i for key in only if key in where for i in where[key]})
    )
    for index in indices:
        equation = equations[index]
        totals = [key for key, c in equation.items() if c < 0]
        if len(totals) != 1 or totals[0] in suppressed:
            continue
        total = totals[0]
        parts = [key for key, c in equation.items() if c > 0 and key in suppressed]
        if len(parts) < 2 or any(small_ok(key) for key in parts):
            continue
        rest = [key for key, c in equation.items() if c > 0 and key not in suppressed]
        if total in bounds and all(values[key] == 0 for key in rest):
            continue  # the parts are the whole of a published band
        if attacker.seen_sum_low(parts) < 1 - _EPS:
            continue  # a solution found already puts the sum at 0
        low, high = attacker.interval(parts)
        if _integer_low(low) >= 1 and _integer_high(high) <= k - 1:
            found.append(Violation("small_sum", tuple(sorted(parts)), (index,)))
    return found


def insider_violations(
    *,
    where: Mapping[Key, Sequence[int]],
    moving: set[Key],
    own: Mapping[str, set[Key]],
    disclosed_knowing: Callable[[set[Key]], set[Key]],
    learns: Callable[[str, Key], bool],
) -> list[Violation]:
    """What each département learns knowing its own exact figures (`own`: its keys).

    `moving` are the suppressed cells that can move (positive, or a swap's zeros);
    `disclosed_knowing(known)` the cells the equations determine once `known` are known too
    (from the public echelon form, `disclosure.disclosed_knowing`); `learns(code, key)` whether
    computing `key` tells the département something about others that is not public (a
    région's cell minus its own part, when that difference is not published already).
    """
    found: list[Violation] = []
    for code, keys in sorted(own.items()):
        hidden_own = keys & moving
        if not hidden_own:
            continue
        for key in sorted(disclosed_knowing(hidden_own) - keys):
            if learns(code, key):
                found.append(Violation("insider", (key,), tuple(where[key]), by=code))
    return found
