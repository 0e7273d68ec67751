"""Exact linear algebra over the published equations: which hidden figures every solution
shares ("Computed exactly" in `disclosure.py`).

The equations are sums of figures (each row, column and level sums to its margin); they are
reduced to echelon form modulo a prime, over sparse rows. Pure, no database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from parcours.reporting.disclosure_figures import Key

# The equations are solved modulo a prime: exact for the 0/±1 sum matrices of these tables
# (their minors are tiny), and a spurious "disclosed" could only suppress one cell more.
_PRIME = 2**61 - 1


@dataclass
class System:
    """The published figures of one table and the equations between them."""

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
