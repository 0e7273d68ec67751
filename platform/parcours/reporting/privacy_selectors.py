"""Reads of the privacy budget (national roles) and of the differentially private figures
(open data). A fixed number of queries whatever the number of years, lines or départements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from parcours.accounts.models import User
from parcours.accounts.permissions import ALL_NATIONAL_ROLES, Access, Forbidden
from parcours.referentiel.models import Departement, LegalParameter, Region
from parcours.referentiel.selectors import MissingLegalParameter
from parcours.reporting import indicators
from parcours.reporting.models import (
    DpFigure,
    Level,
    PrivacyBudget,
    PrivacySpend,
    Release,
    SpendStatus,
)
from parcours.reporting.privacy import NOISED_INDICATORS
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


@dataclass
class DpRow:
    level: str
    code: str
    name: str
    values: dict[str, int] = field(default_factory=dict)


@dataclass
class DpRelease:
    release: Release
    spend: PrivacySpend
    france: DpRow
    regions: list[DpRow]
    departements: list[DpRow]

    @property
    def epsilon(self) -> Decimal:
        return self.spend.epsilon

    @property
    def budget_year(self) -> int:
        return self.spend.budget.year

    @property
    def indicators(self) -> list[indicators.Indicator]:
        return [indicators.BY_CODE[code] for code in NOISED_INDICATORS]


def dp_release_latest() -> DpRelease | None:
    """The newest published release that has differentially private figures (open data)."""
    release = published_releases().filter(pk__in=DpFigure.objects.values("release_id")).first()
    return dp_release(release=release) if release is not None else None


def dp_release(*, release: Release) -> DpRelease | None:
    """The release's differentially private figures at every level, if it has some: four
    queries (figures with their ledger line, names of régions and départements)."""
    figures = list(
        DpFigure.objects.filter(release=release).select_related("spend", "spend__budget")
    )
    if not figures:
        return None
    spend = figures[0].spend
    region_names = dict(Region.objects.values_list("code", "name"))
    departement_names = dict(Departement.objects.values_list("code", "name"))
    france = DpRow(Level.FRANCE, "FR", "France")
    regions: dict[str, DpRow] = {}
    departements: dict[str, DpRow] = {}
    for figure in figures:
        if figure.level == Level.FRANCE:
            row = france
        elif figure.level == Level.REGION:
            row = regions.setdefault(
                figure.code,
                DpRow(Level.REGION, figure.code, region_names.get(figure.code, figure.code)),
            )
        else:
            row = departements.setdefault(
                figure.code,
                DpRow(
                    Level.DEPARTEMENT,
                    figure.code,
                    departement_names.get(figure.code, figure.code),
                ),
            )
        row.values[figure.indicator] = figure.value
    return DpRelease(
        release=release,
        spend=spend,
        france=france,
        regions=sorted(regions.values(), key=lambda r: r.name),
        departements=sorted(departements.values(), key=lambda r: Departement.order_key(r.code)),
    )


DP_CSV_COLUMNS = [
    "publication",
    "periode_debut",
    "periode_fin",
    "date_observation",
    "niveau",
    "code",
    "indicateur",
    "libelle",
    "valeur_bruitee",
    "diffusion",
    "epsilon_publication",
    "annee_budget",
    "mecanisme",
]


def dp_figures_csv(*, dp: DpRelease) -> str:
    """The noisy figures as CSV; every row states that it is noisy and the ε it cost."""
    out, writer = csv_writer()
    writer.writerow(DP_CSV_COLUMNS)
    release = dp.release
    for row in [dp.france, *dp.regions, *dp.departements]:
        for indicator in dp.indicators:
            if indicator.code not in row.values:
                continue
            writer.writerow(
                [
                    *release_columns(release),
                    row.level,
                    row.code,
                    indicator.code,
                    indicator.label,
                    row.values[indicator.code],
                    "confidentialite_differentielle",
                    str(dp.epsilon),
                    dp.budget_year,
                    dp.spend.rules.get("mechanism", ""),
                ]
            )
    return out.getvalue()
