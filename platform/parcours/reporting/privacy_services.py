"""Writes of the differentially private release: the yearly budget, and the pipeline's two hooks.

The true counts exist only between a release's start and its consolidation (the staging counts
are purged when it is published), so the noisy figures are computed during the consolidation.
The ε is reserved when the release starts, against the budget of the year its period lies in
(a year and its quarters and months draw on the same budget: they count the same persons),
and refused there if the budget is short; it is spent when the release is published, released
if the release fails or is started again before publishing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django_tenants.utils import schema_context

from parcours.audit.services import audit_record
from parcours.errors import Refused
from parcours.reporting import indicators
from parcours.reporting.models import (
    DpFigure,
    PrivacyBudget,
    PrivacySpend,
    Release,
    ReleaseStatus,
    SpendStatus,
)
from parcours.reporting.privacy import (
    BREAKDOWNS,
    TOTALS,
    EpsilonError,
    Truth,
    epsilon_parse,
    epsilon_text,
    noisy_figures,
    plan_for,
)
from parcours.reporting.privacy_selectors import COMMITTED, default_totals
from parcours.reporting.vocabulary import DIMENSION_DP_CAPPED

YEAR_MIN = 2016  # loi n° 2016-444: nothing to publish before
YEAR_MAX = 2100


class PrivacyBudgetError(Refused, ValueError):
    """A refusal about the privacy budget, with the reason in French; nothing is written."""


def _check_year(year: int) -> None:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise PrivacyBudgetError(f"Année hors de la plage acceptée ({YEAR_MIN} à {YEAR_MAX}).")


def _budget_locked(year: int) -> PrivacyBudget:
    """The year's budget row, created from the legal parameter on first use, locked until the
    transaction ends so that two reservations cannot both fit in what is left for one."""
    _check_year(year)
    PrivacyBudget.objects.get_or_create(
        year=year,
        defaults={
            "epsilon_total": default_totals(years=[year])[year],
            "set_at": timezone.now(),
        },
    )
    return PrivacyBudget.objects.select_for_update().get(year=year)


def _committed(budget: PrivacyBudget) -> Decimal:
    total = PrivacySpend.objects.filter(budget=budget, status__in=COMMITTED).aggregate(
        total=Sum("epsilon")
    )["total"]
    return total or Decimal(0)


def privacy_budget_set(*, year: int, epsilon_total: object, actor_id: int) -> PrivacyBudget:
    """Set the ε the releases of a year may spend in all (national operator, audited). Never
    below what the year has already spent or reserved: published figures stay published."""
    _check_year(year)
    try:
        total = epsilon_parse(value=epsilon_total, allow_zero=True)
    except EpsilonError as exc:
        raise PrivacyBudgetError(str(exc)) from exc
    with schema_context("public"), transaction.atomic():
        budget = _budget_locked(year)
        committed = _committed(budget)
        if total < committed:
            raise PrivacyBudgetError(
                f"Le budget {year} ne peut être inférieur à ce qui est déjà dépensé ou réservé "
                f"(ε = {epsilon_text(committed)}) ; rien n'a été enregistré."
            )
        previous = budget.epsilon_total
        budget.epsilon_total = total
        budget.set_by_id = actor_id
        budget.set_at = timezone.now()
        budget.save(update_fields=["epsilon_total", "set_by_id", "set_at"])
        audit_record(
            action="reporting.privacy_budget_set",
            actor_id=actor_id,
            object_type="privacy_budget",
            object_id=year,
            data={"year": year, "epsilon_total": str(total), "previous": str(previous)},
        )
        return budget


def privacy_reserve(
    *, release: Release, epsilon: Decimal | None, actor_id: int | None
) -> PrivacySpend | None:
    """Hook of `release_start`, inside its transaction: release what an earlier start of this
    release reserved, then reserve `epsilon` (None: no noisy release asked). A request beyond
    what is left is refused, and the caller's transaction rolls back: nothing is written."""
    now = timezone.now()
    for earlier in PrivacySpend.objects.select_for_update().filter(
        release=release, status=SpendStatus.RESERVED
    ):
        earlier.status = SpendStatus.RELEASED
        earlier.settled_at = now
        earlier.save(update_fields=["status", "settled_at"])
        audit_record(
            action="reporting.privacy_released",
            actor_id=actor_id,
            object_type="privacy_spend",
            object_id=earlier.pk,
            data={"release": release.pk, "epsilon": str(earlier.epsilon), "why": "restarted"},
        )
    if epsilon is None:
        return None
    try:
        epsilon = epsilon_parse(value=epsilon)
    except EpsilonError as exc:
        raise PrivacyBudgetError(str(exc)) from exc
    year = release.period_start.year
    budget = _budget_locked(year)
    left = budget.epsilon_total - _committed(budget)
    if epsilon > left:
        raise PrivacyBudgetError(
            f"Budget de confidentialité {year} insuffisant : ε demandé {epsilon_text(epsilon)}, "
            f"reste {epsilon_text(max(left, Decimal(0)))} sur {epsilon_text(budget.epsilon_total)}. "
            "Rien n'a été lancé."
        )
    spend = PrivacySpend.objects.create(
        budget=budget,
        release=release,
        epsilon=epsilon,
        status=SpendStatus.RESERVED,
        requested_by_id=actor_id,
        requested_at=now,
    )
    audit_record(
        action="reporting.privacy_reserved",
        actor_id=actor_id,
        object_type="privacy_spend",
        object_id=spend.pk,
        data={"release": release.pk, "year": year, "epsilon": str(epsilon)},
    )
    return spend


def privacy_consolidate(
    *,
    release: Release,
    staged: Sequence[tuple[str, str, str, str, int]],
    region_of: Mapping[str, str],
) -> PrivacySpend | None:
    """Hook of `release_consolidate`, inside its transaction, after the release's status is
    decided and before the staging counts are purged: the noisy figures of a published release
    that reserved ε, computed from the true counts and spent; the reservation of a failed one
    released. The figures of an earlier run are replaced, as the banded ones are."""
    DpFigure.objects.filter(release=release).delete()
    spend = (
        PrivacySpend.objects.select_for_update()
        .select_related("budget")
        .filter(release=release, status=SpendStatus.RESERVED)
        .first()
    )
    if spend is None:
        return None
    now = timezone.now()
    if release.status != ReleaseStatus.PUBLISHED:
        spend.status = SpendStatus.RELEASED
        spend.settled_at = now
        spend.save(update_fields=["status", "settled_at"])
        audit_record(
            action="reporting.privacy_released",
            object_type="privacy_spend",
            object_id=spend.pk,
            data={"release": release.pk, "epsilon": str(spend.epsilon), "why": release.status},
        )
        return spend
    included = sorted(release.departements_included)
    plan = plan_for(epsilon=spend.epsilon)
    figures = noisy_figures(
        plan=plan, truth=_truth(staged=staged, included=included, region_of=region_of)
    )
    DpFigure.objects.bulk_create(
        DpFigure(
            spend=spend,
            release=release,
            level=level,
            code=code,
            indicator=indicator,
            dimension=dimension,
            category=category,
            value=value,
        )
        for (level, code, indicator, dimension, category), value in figures.items()
    )
    spend.status = SpendStatus.SPENT
    spend.settled_at = now
    spend.rules = {**plan.as_json(), "budget_year": spend.budget.year, "departements": included}
    spend.save(update_fields=["status", "settled_at", "rules"])
    audit_record(
        action="reporting.privacy_spent",
        object_type="privacy_spend",
        object_id=spend.pk,
        data={
            "release": release.pk,
            "year": spend.budget.year,
            "epsilon": str(spend.epsilon),
            "figures": len(figures),
        },
    )
    return spend


def _truth(
    *,
    staged: Sequence[tuple[str, str, str, str, int]],
    included: Sequence[str],
    region_of: Mapping[str, str],
) -> Truth:
    """The true counts the noise is added to, from the staging counts: the totals capped per
    person, and the breakdowns' cells, an unknown category counted where the published release
    counts it ("autre") or left out (leaving a person out never adds to what they change)."""
    totals: dict[str, dict[str, int]] = defaultdict(dict)
    capped: dict[str, dict[str, int]] = defaultdict(dict)
    wanted = {(indicator, dimension) for indicator, dimension in BREAKDOWNS}
    all_categories = indicators.categories()
    categories = {
        dimension: [code for code, _ in all_categories[dimension]] for _, dimension in BREAKDOWNS
    }
    cells: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    included_set = set(included)
    for code, indicator, dimension, category, value in staged:
        if code not in included_set:
            continue
        if not dimension and indicator in TOTALS:
            totals[indicator][code] = value
        elif dimension == DIMENSION_DP_CAPPED and indicator in TOTALS:
            capped[indicator][code] = value
        elif (indicator, dimension) in wanted:
            known = categories[dimension]
            if category not in known:
                if "autre" not in known:
                    continue
                category = "autre"
            cell = cells[dimension]
            cell[(code, category)] = cell.get((code, category), 0) + value
    # Where a person may add more than one to a figure, the noise is calibrated to a bound: the
    # figure noised is the one whose contributions were capped at that bound, never the raw one.
    for indicator, by_code in capped.items():
        totals[indicator].update(by_code)
    return Truth(
        departements=included,
        region_of={code: region_of.get(code, "") for code in included},
        totals=totals,
        breakdowns=cells,
        categories=categories,
    )
