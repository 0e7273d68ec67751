"""Reads of the privacy budget (national roles) and of the differentially private figures
(open data). A fixed number of queries whatever the number of years, lines or départements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from parcours.accounts.models import User
from parcours.accounts.permissions import ALL_NATIONAL_ROLES, Access, Forbidden
from parcours.referentiel.models import Departement, LegalParameter, Region
from parcours.referentiel.selectors import MissingLegalParameter
from parcours.reporting import indicators
from parcours.reporting.models import (
    Disclosure,
    DpFigure,
    Level,
    PrivacyBudget,
    PrivacySpend,
    PublishedFigure,
    Release,
    SpendStatus,
)
from parcours.reporting.privacy import BREAKDOWNS, TOTALS, half_width
from parcours.reporting.selectors import csv_writer, published_releases, release_columns

DEFAULT_PARAMETER = "statistics_dp_epsilon_per_year"
COMMITTED = (SpendStatus.RESERVED, SpendStatus.SPENT)


def _require_national(access: Access) -> None:
    if not access.has_any(ALL_NATIONAL_ROLES) or access.tenant is not None:
        raise Forbidden


def default_totals(*, years: Iterable[int]) -> dict[int, Decimal]:
    """The yearly budget in force on 1 January of each year (one query for all years)."""
    rows = list(
        LegalParameter.objects.filter(key=DEFAULT_PARAMETER, territory="")
        .order_by("effective_from")
        .values_list("effective_from", "value")
    )
    totals = {}
    for year in years:
        in_force = [value for since, value in rows if since <= dt.date(year, 1, 1)]
        if not in_force:
            raise MissingLegalParameter(
                f"Aucune valeur de {DEFAULT_PARAMETER} en vigueur le 01/01/{year}"
            )
        totals[year] = in_force[-1]
    return totals


@dataclass(frozen=True)
class BudgetStatus:
    year: int
    total: Decimal
    spent: Decimal
    reserved: Decimal
    is_default: bool  # no row yet: the legal parameter's value, nothing drawn on it
    set_by: str
    set_at: dt.datetime | None

    @property
    def remaining(self) -> Decimal:
        return max(Decimal(0), self.total - self.spent - self.reserved)


def privacy_budgets(*, access: Access, years: Iterable[int]) -> list[BudgetStatus]:
    """Each year's budget with what is spent, reserved and left, newest year first: three
    queries (budgets, ledger sums, default) plus one for the names of who set them."""
    _require_national(access)
    wanted = sorted(set(years), reverse=True)
    budgets = {b.year: b for b in PrivacyBudget.objects.filter(year__in=wanted)}
    sums: dict[tuple[int, str], Decimal] = {
        (row["budget__year"], row["status"]): row["total"]
        for row in PrivacySpend.objects.filter(budget__year__in=wanted, status__in=COMMITTED)
        .values("budget__year", "status")
        .annotate(total=Sum("epsilon"))
        .order_by()
    }
    missing = [year for year in wanted if year not in budgets]
    defaults = default_totals(years=missing) if missing else {}
    names = _names(b.set_by_id for b in budgets.values())
    statuses = []
    for year in wanted:
        budget = budgets.get(year)
        statuses.append(
            BudgetStatus(
                year=year,
                total=budget.epsilon_total if budget else defaults[year],
                spent=sums.get((year, SpendStatus.SPENT), Decimal(0)),
                reserved=sums.get((year, SpendStatus.RESERVED), Decimal(0)),
                is_default=budget is None,
                set_by=(names.get(budget.set_by_id or 0, "valeur par défaut") if budget else ""),
                set_at=budget.set_at if budget else None,
            )
        )
    return statuses


def privacy_budget(*, access: Access, year: int) -> BudgetStatus:
    [status] = privacy_budgets(access=access, years=[year])
    return status


def privacy_budget_years(*, access: Access, today: dt.date) -> list[int]:
    """The years worth showing: those with a budget row, this year and the last (periods must be
    over before they are published, so last year is the one most releases draw on)."""
    _require_national(access)
    stored = set(PrivacyBudget.objects.values_list("year", flat=True))
    return sorted(stored | {today.year, today.year - 1}, reverse=True)


@dataclass(frozen=True)
class LedgerLine:
    spend: PrivacySpend
    release: Release
    requested_by: str


def privacy_ledger(*, access: Access, year: int) -> list[LedgerLine]:
    """The year's ledger, newest first: two queries whatever its length."""
    _require_national(access)
    spends = list(
        PrivacySpend.objects.filter(budget__year=year)
        .select_related("release", "budget")
        .order_by("-requested_at", "-id")
    )
    names = _names(s.requested_by_id for s in spends)
    return [
        LedgerLine(
            spend=s, release=s.release, requested_by=names.get(s.requested_by_id or 0, "système")
        )
        for s in spends
    ]


def _names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {user.pk: user.display_name for user in User.objects.filter(pk__in=wanted)}


# The differentially private figures: open data, read by anyone, as the banded release is.


@dataclass(frozen=True)
class Noisy:
    """A noisy figure and the half-width of its 95 % interval: "903 ± 45" holds the true count
    95 times in 100. `margin` is None for figures of a release noised before margins existed."""

    value: int
    margin: int | None

    @property
    def low(self) -> int | None:
        return None if self.margin is None else max(0, self.value - self.margin)

    @property
    def high(self) -> int | None:
        return None if self.margin is None else self.value + self.margin

    def __str__(self) -> str:
        # A narrow no-break space before ±, as French typography writes it.
        return str(self.value) if self.margin is None else f"{self.value}\u202f±\u202f{self.margin}"


@dataclass
class DpRow:
    level: str
    code: str
    name: str
    values: dict[str, Noisy] = field(default_factory=dict)


# A département's breakdown cell: (code, indicator, dimension, category).
CellKey = tuple[str, str, str, str]


@dataclass
class DpRelease:
    release: Release
    spend: PrivacySpend
    france: DpRow
    regions: list[DpRow]
    cells: dict[CellKey, Noisy]  # the départements' noisy breakdown cells
    departement_names: dict[str, str]

    @property
    def epsilon(self) -> Decimal:
        return self.spend.epsilon

    @property
    def budget_year(self) -> int:
        return self.spend.budget.year

    @property
    def indicators(self) -> list[indicators.Indicator]:
        """The totals noised at the France and région levels, in the release's order."""
        codes = {code for code in self.france.values}
        return [indicators.BY_CODE[code] for code in TOTALS if code in codes]

    @property
    def levels(self) -> list[dict[str, Any]]:
        """Each level's ε, scale and 95 % half-width, as stored with the ledger line."""
        return list(self.spend.rules.get("levels", []))

    def level(self, level: str) -> dict[str, Any]:
        return next((item for item in self.levels if item["level"] == level), {})


def _margins(rules: Mapping[str, Any]) -> dict[tuple[str, str, str], int]:
    """(level, indicator, dimension) → the 95 % half-width of its query's scale."""
    return {
        (q["level"], q["indicator"], q["dimension"]): half_width(q["scale"])
        for q in rules.get("queries", [])
    }


def dp_release_latest() -> DpRelease | None:
    """The newest published release that has differentially private figures (open data)."""
    release = published_releases().filter(pk__in=DpFigure.objects.values("release_id")).first()
    return dp_release(release=release) if release is not None else None


def dp_release_open(*, release: Release | None) -> DpRelease | None:
    """The noisy figures the open data shows: those of the release shown, else the newest."""
    dp = dp_release(release=release) if release is not None else None
    return dp if dp is not None else dp_release_latest()


def dp_release(*, release: Release) -> DpRelease | None:
    """The release's differentially private figures at every level, if it has some: three
    queries (figures with their ledger line, names of régions and départements)."""
    figures = list(
        DpFigure.objects.filter(release=release).select_related("spend", "spend__budget")
    )
    if not figures:
        return None
    spend = figures[0].spend
    margins = _margins(spend.rules)
    region_names = dict(Region.objects.values_list("code", "name"))
    departement_names = dict(Departement.objects.values_list("code", "name"))
    france = DpRow(Level.FRANCE, "FR", "France")
    regions: dict[str, DpRow] = {}
    cells: dict[CellKey, Noisy] = {}
    for figure in figures:
        noisy = Noisy(figure.value, margins.get((figure.level, figure.indicator, figure.dimension)))
        if figure.level == Level.FRANCE:
            france.values[figure.indicator] = noisy
        elif figure.level == Level.REGION:
            regions.setdefault(
                figure.code,
                DpRow(Level.REGION, figure.code, region_names.get(figure.code, figure.code)),
            ).values[figure.indicator] = noisy
        else:
            key = (figure.code, figure.indicator, figure.dimension, figure.category)
            cells[key] = noisy
    return DpRelease(
        release=release,
        spend=spend,
        france=france,
        regions=sorted(regions.values(), key=lambda r: r.name),
        cells=cells,
        departement_names=departement_names,
    )


@dataclass(frozen=True)
class BreakdownCell:
    """A département's cell as the open data shows it: the exact release's figure where it
    publishes one, the noisy figure only where it shows "s" (never both for one cell)."""

    category: str
    shown: str
    noisy: Noisy | None = None


@dataclass(frozen=True)
class BreakdownRow:
    code: str
    name: str
    total: str  # the exact release's total (a figure or a band)
    cells: list[BreakdownCell]


@dataclass(frozen=True)
class BreakdownTable:
    indicator: indicators.Indicator
    dimension: indicators.Dimension
    categories: list[str]  # labels, in the order of the cells
    rows: list[BreakdownRow]
    margin: int | None


def dp_breakdown_tables(*, dp: DpRelease) -> list[BreakdownTable]:
    """For each noisy breakdown, the départements where the exact release suppresses at least
    one cell: two queries (the exact release's cells and totals, the categories' labels)."""
    wanted = {(indicator, dimension) for indicator, dimension in BREAKDOWNS}
    published = PublishedFigure.objects.filter(
        release=dp.release,
        level=Level.DEPARTEMENT,
        indicator__in={indicator for indicator, _ in BREAKDOWNS},
    ).values_list("code", "indicator", "dimension", "category", "disclosure", "shown")
    exact: dict[CellKey, tuple[str, str]] = {}
    totals: dict[tuple[str, str], str] = {}
    for code, indicator, dimension, category, disclosure, shown in published:
        if not dimension:
            totals[(code, indicator)] = shown
        elif (indicator, dimension) in wanted:
            exact[(code, indicator, dimension, category)] = (disclosure, shown)
    labels = indicators.categories()
    margins = _margins(dp.spend.rules)
    tables = []
    for indicator, dimension in BREAKDOWNS:
        categories = labels[dimension]
        codes = sorted(
            {code for code, i, d, _ in dp.cells if (i, d) == (indicator, dimension)},
            key=Departement.order_key,
        )
        rows = []
        for code in codes:
            cells = []
            for category, _ in categories:
                key = (code, indicator, dimension, category)
                disclosure, shown = exact.get(key, ("", "—"))
                if disclosure == Disclosure.SUPPRESSED and key in dp.cells:
                    cells.append(
                        BreakdownCell(category, shown=str(dp.cells[key]), noisy=dp.cells[key])
                    )
                else:
                    cells.append(BreakdownCell(category, shown=shown))
            if any(cell.noisy is not None for cell in cells):
                rows.append(
                    BreakdownRow(
                        code=code,
                        name=dp.departement_names.get(code, code),
                        total=totals.get((code, indicator), "—"),
                        cells=cells,
                    )
                )
        tables.append(
            BreakdownTable(
                indicator=indicators.BY_CODE[indicator],
                dimension=indicators.DIMENSIONS[dimension],
                categories=[label for _, label in categories],
                rows=rows,
                margin=margins.get((Level.DEPARTEMENT, indicator, dimension)),
            )
        )
    return tables


DP_CSV_COLUMNS = [
    "publication",
    "periode_debut",
    "periode_fin",
    "date_observation",
    "niveau",
    "code",
    "indicateur",
    "libelle",
    "dimension",
    "categorie",
    "valeur_bruitee",
    "marge_95",
    "intervalle_95_bas",
    "intervalle_95_haut",
    "diffusion",
    "epsilon_publication",
    "epsilon_niveau",
    "annee_budget",
    "mecanisme",
]


def dp_figure_rows(*, dp: DpRelease) -> list[tuple[str, str, str, str, str, Noisy]]:
    """Every noisy figure: (level, code, indicator, dimension, category, figure), France first,
    then the régions, then the départements' cells."""
    rows = [
        (row.level, row.code, indicator.code, "", "", row.values[indicator.code])
        for row in [dp.france, *dp.regions]
        for indicator in dp.indicators
        if indicator.code in row.values
    ]
    rows += [
        (Level.DEPARTEMENT.value, code, indicator, dimension, category, noisy)
        for (code, indicator, dimension, category), noisy in sorted(
            dp.cells.items(),
            key=lambda item: (item[0][1], item[0][2], Departement.order_key(item[0][0])),
        )
    ]
    return rows


def dp_figures_csv(*, dp: DpRelease) -> str:
    """The noisy figures as CSV; every row states that it is noisy, its 95 % interval, the ε
    of the publication and the part of it its level spent."""
    out, writer = csv_writer()
    writer.writerow(DP_CSV_COLUMNS)
    release = dp.release
    level_epsilon = {item["level"]: item["epsilon"] for item in dp.levels}
    for level, code, indicator, dimension, category, noisy in dp_figure_rows(dp=dp):
        writer.writerow(
            [
                *release_columns(release),
                level,
                code,
                indicator,
                indicators.BY_CODE[indicator].label,
                dimension,
                category,
                noisy.value,
                "" if noisy.margin is None else noisy.margin,
                "" if noisy.low is None else noisy.low,
                "" if noisy.high is None else noisy.high,
                "confidentialite_differentielle",
                str(dp.epsilon),
                level_epsilon.get(level, ""),
                dp.budget_year,
                dp.spend.rules.get("mechanism", ""),
            ]
        )
    return out.getvalue()
