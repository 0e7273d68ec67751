"""The privacy budget of the differentially private open data (national host), and the noisy
figures' CSV for everyone."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from frontend.decorators import open_page, page
from parcours.accounts.permissions import ALL_NATIONAL_ROLES, NATIONAL_OPERATOR_ONLY, Access
from parcours.reporting.privacy import EPSILON_MAX
from parcours.reporting.privacy_selectors import (
    dp_figures_csv,
    dp_release_open,
    privacy_budget_years,
    privacy_budgets,
    privacy_ledger,
)
from parcours.reporting.privacy_services import (
    YEAR_MAX,
    YEAR_MIN,
    PrivacyBudgetError,
    privacy_budget_set,
)
from parcours.reporting.selectors import published_release
from parcours.validation import parse_int


@page(roles=ALL_NATIONAL_ROLES, national=True)
def budget(request: HttpRequest, *, access: Access) -> HttpResponse:
    years = privacy_budget_years(access=access, today=timezone.localdate())
    year = parse_int(request.GET.get("annee", ""))
    if year not in years:
        year = years[1] if len(years) > 1 else years[0]  # last year: what releases draw on
    return render(
        request,
        "national/privacy_budget.html",
        {
            "budgets": privacy_budgets(access=access, years=years),
            "year": year,
            "ledger": privacy_ledger(access=access, year=year),
            "can_edit": access.has_any(NATIONAL_OPERATOR_ONLY),
            "year_min": YEAR_MIN,
            "year_max": YEAR_MAX,
            "epsilon_max": EPSILON_MAX,
            "page_title": "Budget de confidentialité",
        },
    )


@page(roles=NATIONAL_OPERATOR_ONLY, national=True)
@require_POST
def budget_set(request: HttpRequest, *, access: Access) -> HttpResponse:
    year = parse_int(request.POST.get("annee", ""))
    try:
        privacy_budget_set(
            year=year, epsilon_total=request.POST.get("epsilon", ""), actor_id=access.user_id or 0
        )
    except PrivacyBudgetError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Le budget de confidentialité {year} est enregistré.")
    target = reverse("frontend:privacy_budget")
    return HttpResponseRedirect(
        f"{target}?annee={year}" if YEAR_MIN <= year <= YEAR_MAX else target
    )


@open_page
def open_data_dp_csv(request: HttpRequest) -> HttpResponse:
    """The newest differentially private figures, each row stating its ε (national host)."""
    if getattr(request, "tenant", None) is not None:
        raise Http404
    dp = dp_release_open(release=published_release())
    if dp is None:
        raise Http404("Aucune publication avec confidentialité différentielle.")
    response = HttpResponse(dp_figures_csv(dp=dp), content_type="text/csv; charset=utf-8")
    release = dp.release
    name = f"parcours-donnees-ouvertes-confidentialite-differentielle-{release.period_slug}"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
