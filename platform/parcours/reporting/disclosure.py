"""Disclosure control of a release: pure functions over counts, no database.

Two regimes, as `README.md` ("National statistics") states them:

- **Management figures** (persons in pathway, requests, decisions, files, approvals) are shown
  per département, région and France; a département's count from 1 to k-1 is shown as its band
  (`1–5`, `6–10`), zero and counts from k up exactly (the State's practice for the PSP figures).
  Institution facts (sessions, the commission's composition) are not counted here: exact.
- **Breakdowns by a personal attribute** (outcome, duration in pathway, children...) are tables
  département × category rolled up to région and France, whose margins are the management
  figures. A cell from 1 to k-1 is suppressed (primary suppression); then cells are suppressed
  in addition (complementary suppression), first until no suppressed cell can be computed
  exactly from the published cells, margins and totals, then until the audit finds nothing.

**Three attackers** count (design.md): the public, with every published figure of all levels
and of every period of a year; the insider, a département that also knows its own exact figures;
the difference between releases. A disclosure is a suppressed cell whose possible values lie
inside 1..k-1 (a protection interval must include 0 or reach k, as τ-ARGUS sets one), the same
for the hidden parts of one sum together, a band narrowed below its published width, or a cell
computed exactly.

**Totals of banded figures** (`management_figures`). A région's total is the sum of its
départements', France's of its régions'. Published exactly next to bands, a total can undo them
(Corsica: 2A and 2B in `1–5`, the région's exact 10 says both are 5). The structure is laminar,
so the test is exact equation by equation: with T exact and parts in [low, high], part j keeps
its band iff T - sum of the others' highs <= low_j and T - sum of the others' lows >= high_j; the
insider i0 is the same test with its part at its value. A total that passes is exact; one that
fails is published as the range its parts' intervals add up to (`31–35`), which says nothing
the parts do not. In France's equation an exact région is one known block and a ranged one is
its départements, kept whole as a group.

**Periods.** A year's flows are the sum of its quarters' and months': published for both, a
band or a secret of one would be undone with the other. Flows are published in year releases
only (`indicators.Indicator.years_only`); a quarter or a month publishes stocks, counted on its
last day (a year and its fourth quarter publish the same cells: same day, same persons, same
secrets).

"Computed exactly" is decided exactly, not by a rule of thumb: the published figures give a
system of linear equations (each row, column and level sums to its margin); a suppressed cell
is disclosed when its unit vector lies in the row space of the equations restricted to the
suppressed cells (then every solution gives it the same value). The usual rule "each row and
column with a suppressed cell holds at least two" is the special case of an equation with one
unknown; it misses cells that several equations pin together (a bridge between two groups of
suppressed cells), which this test catches. The first pass takes the margins as known exactly
(a stronger attacker than the bands allow). It is blind to bounds (a hidden cell in 1..k-1, a
hidden sum of 2, a band narrowed) and to the insider: `disclosure_audit` sees those, on a
linear program and on the echelon form, and `disclosure_tables` adds complements until it
finds nothing, or the table is withheld whole.

**Where each part is.** `disclosure_figures`: the rules and how one figure is shown (exact,
band, range, secret). `disclosure_totals`: the totals of banded figures. `disclosure_tables`:
the protection of a table (breakdowns, amounts), with `disclosure_suppression` (the first pass of
complements and the swaps), `disclosure_algebra` (the exact elimination) and `disclosure_audit`
(the attackers' linear programs). This module names what the rest of the platform uses.
"""

from __future__ import annotations

from parcours.reporting.disclosure_algebra import (
    determined,
    disclosed_knowing,
    disclosed_unknowns,
    echelon,
)
from parcours.reporting.disclosure_audit import DisclosureError
from parcours.reporting.disclosure_figures import (
    DASH,
    FRANCE,
    SUPPRESSED,
    SUPPRESSED_MARK,
    Key,
    Rules,
    Shown,
    banded,
    exact,
    percentile_days,
    ranged,
    rollup,
)
from parcours.reporting.disclosure_tables import protect_breakdowns, protect_sums
from parcours.reporting.disclosure_totals import management_figures

__all__ = [
    "DASH",
    "FRANCE",
    "SUPPRESSED",
    "SUPPRESSED_MARK",
    "DisclosureError",
    "Key",
    "Rules",
    "Shown",
    "banded",
    "determined",
    "disclosed_knowing",
    "disclosed_unknowns",
    "echelon",
    "exact",
    "management_figures",
    "percentile_days",
    "protect_breakdowns",
    "protect_sums",
    "ranged",
    "rollup",
]
