"""The national oversight of the commissions (national host): today's status of each
département's commission, computed in its own schema and read here from the public schema."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from frontend.decorators import page
from parcours.accounts.permissions import ALL_NATIONAL_ROLES, NATIONAL_OPERATOR_ONLY, Access
from parcours.reporting.oversight import HORIZON_DAYS, commission_overview
from parcours.reporting.oversight_services import commission_status_refresh
from parcours.reporting.selectors import published_release


@page(roles=ALL_NATIONAL_ROLES, national=True)
def commissions(request: HttpRequest, *, access: Access) -> HttpResponse:
    return render(
        request,
        "national/commissions.html",
        {
            "overview": commission_overview(),
            "horizon_days": HORIZON_DAYS,
            "release": published_release(),
            "can_refresh": access.has_any(NATIONAL_OPERATOR_ONLY),
            "page_title": "Suivi des commissions",
        },
    )


@page(roles=NATIONAL_OPERATOR_ONLY, national=True)
@require_POST
def commissions_refresh(request: HttpRequest, *, access: Access) -> HttpResponse:
    asked = commission_status_refresh(actor_id=access.user_id)
    messages.success(
        request,
        f"Actualisation demandée à {asked} département{'s' if asked > 1 else ''} : chaque "
        "commission est recalculée dans son département ; rechargez la page dans quelques "
        "instants.",
    )
    return HttpResponseRedirect(reverse("frontend:oversight"))
