"""Retention, for the DPO: dry-run reports and their runs, legal holds, archived files."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from frontend.decorators import page
from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.errors import NotInScope, Refused
from parcours.french import french_date
from tenants.retention import selectors, services
from tenants.retention.holds import REASON_MAX, REASON_MIN
from tenants.retention.models import SweepStatus

DPO = {Role.DPO}


def _refusal(request: HttpRequest, exc: Refused) -> None:
    for reason in exc.reasons:
        messages.error(request, reason)
    for errors in exc.fields.values():
        for error in errors:
            messages.error(request, error)


@page(roles=DPO, national=False)
def overview(request: HttpRequest, *, access: Access) -> HttpResponse:
    return render(
        request,
        "retention/overview.html",
        {
            "sweeps": selectors.sweeps_list(access=access, limit=20),
            "archived": selectors.archived_persons(access=access),
            "page_title": "Conservation des données",
        },
    )


@page(roles=DPO, national=False)
@require_POST
def sweep_start(request: HttpRequest, *, access: Access) -> HttpResponse:
    try:
        sweep = services.sweep_start(access=access)
    except Refused as exc:
        _refusal(request, exc)
        return HttpResponseRedirect(reverse("frontend:retention"))
    messages.info(request, "Le rapport est en préparation : rien n'est modifié avant votre accord.")
    return HttpResponseRedirect(reverse("frontend:retention_sweep", args=[sweep.pk]))


@page(roles=DPO, national=False)
def sweep_detail(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    sweep = selectors.sweep_get(access=access, sweep_id=pk)
    return render(
        request,
        "retention/sweep.html",
        {
            "sweep": sweep,
            "rows": list(selectors.sweep_rows(sweep=sweep)),
            "confirmable": sweep.status == SweepStatus.REPORTED,
            # The page reloads itself while the report is written or the run goes on.
            "refresh": sweep.status in (SweepStatus.PREPARING, SweepStatus.RUNNING),
            "page_title": f"Balayage du {french_date(sweep.today)}",
        },
    )


@page(roles=DPO, national=False)
@require_POST
def sweep_confirm(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    try:
        services.sweep_confirm(access=access, sweep_id=pk)
    except Refused as exc:
        _refusal(request, exc)
    else:
        messages.success(request, "Exécution lancée : suivez sa progression sur cette page.")
    return HttpResponseRedirect(reverse("frontend:retention_sweep", args=[pk]))


class HoldForm(forms.Form):
    pseudonym = forms.CharField(
        label="Pseudonyme de la personne",
        max_length=32,
        error_messages={"required": "Indiquez le pseudonyme (PSP-31-2026-0042)."},
    )
    reason = forms.CharField(
        label="Motif (10 à 2 000 caractères ; ne nommez pas la personne)",
        widget=forms.Textarea,
        max_length=REASON_MAX,
        min_length=REASON_MIN,
        error_messages={
            "required": "Motivez le gel.",
            "min_length": f"Motivez en {REASON_MIN} caractères au moins.",
            "max_length": f"{REASON_MAX} caractères au plus.",
        },
    )


@page(roles=DPO, national=False)
def holds(request: HttpRequest, *, access: Access) -> HttpResponse:
    """The holds, standing and lifted, and the form that sets one."""
    form = HoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = selectors.hold_person_find(
                access=access, pseudonym=form.cleaned_data["pseudonym"]
            )
        except NotInScope:
            form.add_error("pseudonym", "Aucune personne de ce pseudonyme dans la base.")
        else:
            try:
                services.legal_hold_set(
                    access=access, person_id=person.pk, reason=form.cleaned_data["reason"]
                )
            except Refused as exc:
                _refusal(request, exc)
            else:
                messages.success(request, "Gel juridique posé.")
            return HttpResponseRedirect(reverse("frontend:retention_holds"))
    return render(
        request,
        "retention/holds.html",
        {
            "form": form,
            "holds": selectors.holds_list(access=access),
            "page_title": "Gels juridiques",
        },
        status=400 if form.errors else 200,
    )


@page(roles=DPO, national=False)
@require_POST
def hold_lift(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    try:
        services.legal_hold_lift(access=access, hold_id=pk, reason=request.POST.get("reason", ""))
    except Refused as exc:
        _refusal(request, exc)
    else:
        messages.success(request, "Gel juridique levé.")
    return HttpResponseRedirect(reverse("frontend:retention_holds"))


@page(roles=DPO, national=False)
def archive_read(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    """GET asks the reason; the file is shown only in answer to a POST that states it."""
    archived = None
    if request.method == "POST":
        try:
            archived = selectors.archived_person_read(
                access=access, person_id=pk, reason=request.POST.get("reason", "")
            )
        except Refused as exc:
            _refusal(request, exc)
    elif not selectors.archived_person_exists(access=access, person_id=pk):
        raise Http404
    return render(
        request,
        "retention/archive.html",
        {"pk": pk, "archived": archived, "page_title": "Dossier archivé"},
    )
