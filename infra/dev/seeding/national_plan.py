"""The national case history of 2021–2024 as plain data: who entered the exit pathway when, for
how long, which requests were refused or still under instruction on 31 December. No database:
national_history.py writes these plans into the départements' schemas.

What the sources give (../shared/domain.md, "National figures") and how it is read here:

- 903 persons in a PSP on 31/12/2024 [C/S]; "845 in 2023" and "643 accompanied in 2022" are read as
  the same figure one and two years earlier: persons in a PSP on 31 December (the number of PSP in
  progress is the only official indicator, programme 137 indicator 3.1). The three make a series.
- 2022: "700 requests (54 refused)" read as first requests filed in 2022, 54 of them refused. Read as
  every file (first requests and renewals), 700 could not hold 643 persons whose pathway is renewed
  every six months.
- 2023: 10 % of first requests refused; how many were filed is not given: 720 (72 refused) is the
  smallest round figure that lets 845 and 903 both hold (below).
- 2024: 469 first requests, 18 % refused: 84.
- AFIS: 534 beneficiaries in 2022 (read as on 31/12/2022) and 1,783 cumulated to December 2024
  (persons who received it by 31/12/2024; the seed begins with the 2021 entries, so its 1,783 are
  those persons, the count matched).

The pathway lasts six-month periods, 24 months at most: a person in a PSP on 31 December entered in
that year or the year before. So the stock of a year is its entries (all still there: nobody leaves
before twelve months here, except the few early ends, which fall in the next year) plus the
entries of the year before that go the whole 24 months ("stayers"):

    stock(Y) = entries(Y) + stayers(Y-1)
    entries(Y) = first requests(Y) - refused(Y) - pending(31/12/Y) + pending(31/12/Y-1)

With the sources: entries 621 (2022), 653 (2023), 383 (2024), so stayers 22 of the 2021 entries,
192 of 2022's, 520 of 2023's. The 2024 stock with only 469 first requests forces most of 2023's
entries to stay the whole 24 months; the sources cannot all hold together anyway: 2,102 persons
cumulated 2017–2024 with 564 before 2021 leaves 1,538 entries for 2021–2024, fewer than the 643 +
903 that the 24-month ceiling requires. The seed keeps every figure above and not the 2,102.

Who is where: each national figure is shared among the départements in proportion to their
2024 stock (largest remainder, so the totals are exact; a département without persons in 2024 has
none in 2022–2023 either), within the bounds the pathway sets (a département cannot keep more
stayers than it had entries). Dates are spread over each year, so quarters are meaningful.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

YEARS = (2022, 2023, 2024)
STOCK = {2022: 643, 2023: 845, 2024: 903}
FIRST_REQUESTS = {2022: 700, 2023: 720, 2024: 469}
REFUSALS = {2022: 54, 2023: 72, 2024: 84}
# First requests filed in December and decided in January (not given by the sources).
PENDING = {2021: 0, 2022: 25, 2023: 20, 2024: 22}
# Pathways ended early by the préfet, per year (not given: a handful, the option being rare).
EARLY_ENDS = {2022: 6, 2023: 9, 2024: 11}
# Entries of 2021, before the years published: only those still in a PSP in 2022 matter.
ENTRIES_2021 = 480
AFIS_STOCK_2022 = 534
AFIS_CUMULATED_2024 = 1783


def entries(year: int) -> int:
    if year == 2021:
        return ENTRIES_2021
    return FIRST_REQUESTS[year] - REFUSALS[year] - PENDING[year] + PENDING[year - 1]


def stayers(year: int) -> int:
    """Entries of `year` who go the whole 24 months: in a PSP on 31 December of the next year."""
    return STOCK[year + 1] - entries(year + 1)


def apportion(
    total: int,
    weights: Mapping[str, int],
    *,
    low: Mapping[str, int] | None = None,
    high: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Share `total` in proportion to `weights` (largest remainder), each share within
    [low, high]; ties go to the larger weight, then to the code (deterministic)."""
    low = low or {}
    high = high or {}
    weight_sum = sum(weights.values()) or 1
    exact = {code: total * w / weight_sum for code, w in weights.items()}
    shares = {
        code: min(max(int(exact[code]), low.get(code, 0)), high.get(code, total))
        for code in weights
    }
    order = sorted(weights, key=lambda c: (-(exact[c] - int(exact[c])), -weights[c], c))
    while (missing := total - sum(shares.values())) != 0:
        step = 1 if missing > 0 else -1
        moved = False
        for code in order if step > 0 else reversed(order):
            if sum(shares.values()) == total:
                break
            if step > 0 and shares[code] < high.get(code, total):
                shares[code] += 1
                moved = True
            elif step < 0 and shares[code] > low.get(code, 0):
                shares[code] -= 1
                moved = True
        if not moved:
            raise ValueError(f"cannot share {total} within the bounds given")
    return shares


@dataclass
class Entry:
    """A person authorised: the first request filed and decided, then `periods` six-month
    periods (fewer if today comes first); an early end during the second period, in its year."""

    submitted: dt.date
    decided: dt.date  # authorised; the first period starts that day
    periods: int
    early_end: dt.date | None = None
    afis: bool = False

    def period_starts(self) -> list[dt.date]:
        return [self.decided + relativedelta(months=6 * n) for n in range(self.periods)]

    def end(self) -> dt.date:
        """The last day of the last period."""
        return self.decided + relativedelta(months=6 * self.periods) - dt.timedelta(days=1)

    def in_pathway_on(self, day: dt.date) -> bool:
        if self.early_end is not None and self.early_end <= day:
            return False
        return self.decided <= day <= self.end()


@dataclass(frozen=True)
class Refusal:
    submitted: dt.date
    decided: dt.date


@dataclass
class DepartementPlan:
    code: str
    entries: list[Entry] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)


def _offset(code: str) -> int:
    """A few days' shift per département, so that no two départements file on the same days."""
    return zlib.crc32(code.encode()) % 9


def _spread(
    year: int, n: int, *, first: tuple[int, int], last: tuple[int, int], code: str
) -> list[dt.date]:
    """n days spread evenly from `first` to `last` (month, day) of `year`."""
    start = dt.date(year, *first)
    span = (dt.date(year, *last) - start).days
    return [
        start + dt.timedelta(days=min(span, int(span * (i + 0.5) / n) + _offset(code)))
        for i in range(n)
    ]


def _waited(i: int) -> int:
    # From filing to decision: 4 to 10 weeks (instruction, commission, préfet).
    return 28 + (i * 13) % 43


def national_plans(*, stock_2024: Mapping[str, int]) -> dict[str, DepartementPlan]:
    """Every département's plan, the national figures above shared by their 2024 stock.

    A stock of another total (a test's few départements) scales every figure to it."""
    w = {code: n for code, n in stock_2024.items() if n > 0}
    scale = sum(w.values()) / STOCK[2024]

    def national(figure: int) -> int:
        return round(figure * scale)

    share: dict[str, dict[str, int]] = {}
    share["a2024"] = apportion(national(entries(2024)), w, high=w)
    share["stay2023"] = {c: w[c] - share["a2024"][c] for c in w}
    share["a2023"] = apportion(national(entries(2023)), w, low=share["stay2023"])
    share["a2022"] = apportion(national(entries(2022)), w)
    share["a2021"] = apportion(national(entries(2021)), w)
    share["stay2022"] = apportion(national(stayers(2022)), w, high=share["a2022"])
    share["stay2021"] = apportion(national(stayers(2021)), w, high=share["a2021"])
    # Files pending on 31 December become the next year's first entries.
    share["p2023"] = apportion(national(PENDING[2023]), w, high=share["a2024"])
    share["p2022"] = apportion(national(PENDING[2022]), w, high=share["a2023"])
    share["p2024"] = apportion(national(PENDING[2024]), w)
    share["p2021"] = share["p2020"] = {c: 0 for c in w}
    # Not given by the sources (2025 is not published): seven in ten go the whole 24 months.
    share["stay2024"] = apportion(national(round(entries(2024) * 0.7)), w, high=share["a2024"])
    for year in YEARS:
        share[f"r{year}"] = apportion(national(REFUSALS[year]), w)
    plans = {code: DepartementPlan(code) for code in w}
    for code, plan in plans.items():
        for year in (2021, *YEARS):
            plan.entries += _cohort(
                code,
                year,
                size=share[f"a{year}"][code],
                from_pending=share[f"p{year - 1}"][code],
                stayers=share[f"stay{year}"][code],
            )
            if year in YEARS:
                days = _spread(
                    year, share[f"r{year}"][code], first=(2, 1), last=(12, 15), code=code
                )
                # Filed in the same year (an early refusal was examined quickly).
                filed_from = dt.date(year, 1, 3)
                plan.refusals += [
                    Refusal(max(filed_from, day - dt.timedelta(days=_waited(i + 3))), day)
                    for i, day in enumerate(days)
                ]
        # Filed in December 2024, decided in January 2025: the whole 24 months ahead.
        for i, day in enumerate(
            _spread(2024, share["p2024"][code], first=(12, 2), last=(12, 20), code=code)
        ):
            plan.entries.append(Entry(day, dt.date(2025, 1, 10) + dt.timedelta(days=i % 20), 4))
    _early_ends(plans, scale)
    _afis(plans, scale)
    return plans


def _cohort(code: str, year: int, *, size: int, from_pending: int, stayers: int) -> list[Entry]:
    """The entries of `year`: first those filed the December before, then the year's own, filed
    from January to mid-November and decided within 4 to 10 weeks (by 21 December); every k-th goes the whole 24
    months, the others leave after 12 months (18 for some who entered in the first half)."""
    cohort: list[Entry] = []
    for i, filed in enumerate(
        _spread(year - 1, from_pending, first=(12, 2), last=(12, 20), code=code)
    ):
        cohort.append(Entry(filed, dt.date(year, 1, 8) + dt.timedelta(days=(i * 5) % 23), 2))
    own = size - from_pending
    last_decision = dt.date(year, 12, 21)
    for i, filed in enumerate(_spread(year, own, first=(1, 4), last=(11, 15), code=code)):
        cohort.append(Entry(filed, min(filed + dt.timedelta(days=_waited(i)), last_decision), 2))
    # Stayers spread over the year's entries (not all the earliest).
    chosen = {round(k * len(cohort) / stayers) for k in range(stayers)} if stayers else set()
    for i, entry in enumerate(cohort):
        if i in chosen:
            entry.periods = 4
        elif entry.decided.month <= 6 and i % 2:
            entry.periods = 3
    assert sum(e.periods == 4 for e in cohort) == stayers, (code, year)
    return cohort


def _early_ends(plans: dict[str, DepartementPlan], scale: float) -> None:
    """The year's early ends: persons who entered in the second half of the year before and
    would have left after twelve months, stopped a few weeks into their second period."""
    for year, total in EARLY_ENDS.items():
        candidates = {
            code: [
                e
                for e in plan.entries
                if e.decided.year == year - 1 and e.decided.month >= 7 and e.periods == 2
            ]
            for code, plan in plans.items()
        }
        counts = apportion(
            round(total * scale),
            {c: len(plans[c].entries) for c in plans},
            high={c: len(v) for c, v in candidates.items()},
        )
        for code, n in counts.items():
            for entry in candidates[code][:n]:
                entry.early_end = entry.decided + relativedelta(months=6, days=40)


def _afis(plans: dict[str, DepartementPlan], scale: float) -> None:
    """The AFIS, decided with the PSP: 534 of the persons in a PSP on 31/12/2022, and as many
    others as make 1,783 who received it by 31/12/2024; some of the 2025 entries too."""
    snapshot_2022 = dt.date(2022, 12, 31)
    end_2024 = dt.date(2024, 12, 31)
    in_2022 = {
        c: [e for e in p.entries if e.in_pathway_on(snapshot_2022)] for c, p in plans.items()
    }
    others = {
        c: [e for e in p.entries if not e.in_pathway_on(snapshot_2022) and e.decided <= end_2024]
        for c, p in plans.items()
    }
    for group, total in (
        (in_2022, AFIS_STOCK_2022),
        (others, AFIS_CUMULATED_2024 - AFIS_STOCK_2022),
    ):
        sizes = {c: len(v) for c, v in group.items()}
        counts = apportion(min(round(total * scale), sum(sizes.values())), sizes, high=sizes)
        for code, n in counts.items():
            members = group[code]
            # Spread over the list (entry order), not the first n.
            for k in range(n):
                members[k * len(members) // n].afis = True
    for plan in plans.values():
        for i, entry in enumerate(plan.entries):
            if entry.decided > end_2024 and i % 6:
                entry.afis = True
