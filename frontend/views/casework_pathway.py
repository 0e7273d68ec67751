"""The pathway once authorised, from the file's page: renewal, early end and exit, the rights
followed (AFIS, APS...), the decision's notification and the AFIS sent to the MSA."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from frontend.decorators import page
from frontend.views.casework import WORKER, dossier_or_404, show_refusal
from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.errors import Refused
from tenants.casework import selectors, services
from tenants.casework.models import DossierKind


@page(roles=WORKER, national=False)
@require_POST
def renewal_new(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    dossier = dossier_or_404(access, pk)
    try:
        renewal = services.dossier_create(
            access=access, person_id=dossier.person_id, kind=DossierKind.RENEWAL
        )
    except Refused as exc:
        show_refusal(request, None, exc)
        return HttpResponseRedirect(reverse("frontend:dossier", kwargs={"pk": pk}))
    messages.success(request, "La demande de renouvellement est ouverte.")
    return HttpResponseRedirect(reverse("frontend:dossier", kwargs={"pk": renewal.pk}))


@page(roles={Role.PREFET, Role.COORDINATOR, Role.ASSOCIATION_WORKER}, national=False)
@require_POST
def pathway_action(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    dossier = dossier_or_404(access, pk)
    action = request.POST.get("action")
    try:
        on = dt.date.fromisoformat(request.POST.get("on", ""))
    except ValueError:
        messages.error(request, "Indiquez une date valide.")
        return HttpResponseRedirect(reverse("frontend:dossier", kwargs={"pk": pk}))
    try:
        if action == "end_early":
            services.pathway_end_early(
                access=access,
                pathway_id=dossier.pathway_id,
                on=on,
                reason=request.POST.get("reason", ""),
            )
            messages.success(
                request, "Le parcours est arrêté ; l'AFIS cesse au début du mois suivant."
            )
        elif action == "exit":
            services.pathway_exit(
                access=access,
                pathway_id=dossier.pathway_id,
                outcome=request.POST.get("outcome", ""),
                on=on,
            )
            messages.success(request, "La sortie du parcours est enregistrée.")
        else:
            messages.error(request, "Action inconnue.")
    except Refused as exc:
        show_refusal(request, None, exc)
    except selectors.NotInScope as exc:
        raise Http404 from exc
    return HttpResponseRedirect(reverse("frontend:dossier", kwargs={"pk": pk}))


@page(roles={Role.COORDINATOR, Role.ASSOCIATION_WORKER}, national=False)
@require_POST
def right_update(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    from tenants.casework.rights import AFIS_CHECKLIST
    from tenants.casework.rights import right_update as update

    dossier = dossier_or_404(access, pk)
    try:
        on, ends_on = _posted_dates(request, required="on", optional="ends_on")
    except ValueError:
        messages.error(request, "Indiquez des dates valides.")
        return HttpResponseRedirect(reverse("frontend:dossier", kwargs={"pk": pk}) + "#droits")
    right_type = request.POST.get("right_type", "")
    details: dict[str, Any] = {}
    if right_type == "afis" and request.POST.get("status") == "granted":
        # The checklist is what the AFIS is granted on: later moves must not overwrite it.
        details["checklist"] = {
            code: request.POST.get(f"check_{code}") == "on" for code in AFIS_CHECKLIST
        }
    try:
        update(
            access=access,
            person_id=dossier.person_id,
            right_type=right_type,
            status=request.POST.get("status", ""),
            on=on,
            ends_on=ends_on,
            details=details,
        )
    except Refused as exc:
        show_refusal(request, None, exc)
    except selectors.NotInScope as exc:
        raise Http404 from exc
    else:
        messages.success(request, "Le suivi du droit est à jour.")
    return HttpResponseRedirect(reverse("frontend:dossier", kwargs={"pk": pk}) + "#droits")


@page(roles={Role.COORDINATOR}, national=False)
@require_POST
def notification_record(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    dossier_or_404(access, pk)
    try:
        notified_on, acknowledged_on = _posted_dates(
            request, required="notified_on", optional="acknowledged_on"
        )
    except ValueError:
        messages.error(request, "Indiquez des dates valides.")
    else:
        try:
            services.decision_notification_record(
                access=access,
                dossier_id=pk,
                notified_on=notified_on,
                channel=request.POST.get("channel", ""),
                acknowledged_on=acknowledged_on,
            )
        except Refused as exc:
            show_refusal(request, None, exc)
        else:
            messages.success(
                request, "La notification est enregistrée ; le délai de recours court."
            )
    return HttpResponseRedirect(reverse("frontend:dossier", kwargs={"pk": pk}))


@page(roles={Role.COORDINATOR}, national=False)
@require_POST
def afis_transmit(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    from tenants.casework.rights import afis_transmit_to_msa

    dossier = dossier_or_404(access, pk)
    try:
        on = dt.date.fromisoformat(request.POST.get("on", ""))
        afis_transmit_to_msa(access=access, person_id=dossier.person_id, on=on)
    except ValueError:
        messages.error(request, "Indiquez une date valide.")
    except Refused as exc:
        show_refusal(request, None, exc)
    else:
        messages.success(request, "La transmission de l'AFIS à la MSA est enregistrée.")
    return HttpResponseRedirect(reverse("frontend:dossier", kwargs={"pk": pk}) + "#droits")


def _posted_dates(
    request: HttpRequest, *, required: str, optional: str
) -> tuple[dt.date, dt.date | None]:
    """A required date and an optional one, as the form posts them (ValueError: not dates)."""
    day = dt.date.fromisoformat(request.POST.get(required, ""))
    raw = request.POST.get(optional, "")
    return day, (dt.date.fromisoformat(raw) if raw else None)
