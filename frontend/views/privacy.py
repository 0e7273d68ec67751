"""Pages of the person's rights: the person's page (identity, its rectification and history,
the access exports), the coordination's exports, and the DPO's audit trail."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from frontend.decorators import page
from frontend.views.casework_forms import PersonForm
from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.errors import Refused
from parcours.validation import no_bidi_controls
from tenants.casework import selectors as casework_selectors
from tenants.casework.persons import IDENTITY_KEYS, SEXES
from tenants.privacy import selectors, services
from tenants.privacy.exports import ExportKind
from tenants.privacy.models import ExportStatus
from tenants.privacy.rectification import MAX_REASON, RECTIFY_ROLES

PERSON_ROLES = casework_selectors.CASE_ROLES
COORDINATION = {Role.COORDINATOR}
DPO = {Role.DPO}


class IdentityForm(PersonForm):
    """The identity as recorded, to correct; the reason is required and kept (encrypted)."""

    address = forms.CharField(label="Adresse", max_length=300, required=False)
    reason = forms.CharField(
        label="Motif de la rectification",
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[no_bidi_controls],
        help_text="Par exemple : demande de la personne, sur présentation d'un justificatif.",
        error_messages={"required": "Indiquez le motif de la rectification."},
    )

    children_count = None  # type: ignore[assignment]  # not identity: the follow-up keeps it
    field_order = [*IDENTITY_KEYS, "reason"]


def _fail(request: HttpRequest, form: forms.Form, exc: Refused) -> None:
    for reason in exc.reasons:
        if not any(f in form.fields for f in exc.fields):
            messages.error(request, reason)
    for field, errors in exc.fields.items():
        if field in form.fields:
            for error in errors:
                form.add_error(field, error)
        else:
            for error in errors:
                messages.error(request, error)


@page(roles=PERSON_ROLES, national=False)
def person_detail(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    """The person's page: identity, its rectification (POST) and history, access exports."""
    person = casework_selectors.person_get(access=access, pk=pk)
    identity = casework_selectors.person_identity(access=access, person=person) or {}
    can_rectify = access.has_any(RECTIFY_ROLES)
    initial = {k: identity.get(k) or "" for k in IDENTITY_KEYS}
    form = IdentityForm(request.POST or None, initial=initial) if can_rectify else None
    status = 200
    if request.method == "POST":
        if form is None:
            messages.error(request, "Votre rôle ne permet pas de rectifier une identité.")
            return HttpResponseRedirect(request.path)
        if form.is_valid():
            data = form.cleaned_data
            changes = {
                k: (v.isoformat() if isinstance(v, dt.date) else str(v or ""))
                for k, v in data.items()
                if k in IDENTITY_KEYS
            }
            try:
                revision = services.person_identity_rectify(
                    access=access, person_id=person.pk, changes=changes, reason=data["reason"]
                )
            except Refused as exc:
                _fail(request, form, exc)
                status = 400
            else:
                if revision is not None:
                    messages.success(request, "L'identité est rectifiée ; l'historique la garde.")
                    return HttpResponseRedirect(request.path)
                form.add_error(None, "Aucune information n'a changé : rien n'est modifié.")
                status = 400
        else:
            status = 400
    context = {
        "person": person,
        "identity": identity,
        "sex_label": SEXES.get(str(identity.get("sex") or ""), ""),
        "form": form,
        "history": selectors.identity_history(access=access, person=person),
        "exports": selectors.access_exports_visible(access=access, person_id=person.pk)
        if access.has_any(COORDINATION)
        else None,
        "dossiers": list(person.dossiers.order_by("-created_at").values("pk", "kind", "number")),
        "page_title": f"Personne {person.pseudonym}",
    }
    return render(request, "privacy/person.html", context, status=status)


@page(roles=COORDINATION, national=False)
@require_POST
def export_request(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    export = services.access_export_request(access=access, person_id=pk)
    messages.success(
        request,
        f"L'export du droit d'accès est demandé (n° {export.pk}) : "
        "il sera prêt dans quelques instants sur la page des exports.",
    )
    return HttpResponseRedirect(reverse("frontend:privacy_person", kwargs={"pk": pk}))


@page(roles=COORDINATION, national=False)
def exports(request: HttpRequest, *, access: Access) -> HttpResponse:
    listed = list(selectors.access_exports_visible(access=access))
    return render(
        request,
        "privacy/exports.html",
        {
            "exports": listed,
            # The list follows an export being prepared by itself (parcours-progress.js).
            "under_way": any(
                e.status in (ExportStatus.PENDING, ExportStatus.RUNNING) for e in listed
            ),
            "now": timezone.now(),
            "page_title": "Droit d'accès des personnes",
        },
    )


def _download(access: Access, pk: int, kind: ExportKind) -> HttpResponseBase:
    file = services.access_export_download(access=access, export_id=pk, kind=kind)
    return FileResponse(
        io.BytesIO(file.content),
        content_type=file.content_type,
        as_attachment=True,
        filename=file.filename,
    )


@page(roles=COORDINATION, national=False)
def export_json(request: HttpRequest, pk: int, *, access: Access) -> HttpResponseBase:
    return _download(access, pk, "json")


@page(roles=COORDINATION, national=False)
def export_pdf(request: HttpRequest, pk: int, *, access: Access) -> HttpResponseBase:
    return _download(access, pk, "pdf")


class TrailForm(forms.Form):
    """The DPO's filters of the trail (a GET form: the address keeps the search)."""

    qui = forms.CharField(
        label="Compte (adresse ou n°)",
        max_length=254,
        required=False,
        validators=[no_bidi_controls],
    )
    evenement = forms.CharField(
        label="Type d'événement",
        max_length=64,
        required=False,
        help_text="Un type exact (« dossier.read ») ou une famille (« person », « privacy »).",
        validators=[no_bidi_controls],
    )
    du = forms.DateField(
        label="Du",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Date invalide."},
    )
    au = forms.DateField(
        label="Au",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Date invalide."},
    )
    personne = forms.CharField(
        label="Dossier de la personne (pseudonyme ou n°)",
        max_length=32,
        required=False,
        validators=[no_bidi_controls],
    )
    texte = forms.CharField(
        label="Recherche (objet, n° de requête)",
        max_length=100,
        required=False,
        validators=[no_bidi_controls],
    )
    lectures = forms.BooleanField(label="Lectures de données seulement", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("du") and data.get("au") and data["du"] > data["au"]:
            self.add_error("au", "La fin de la période précède son début.")
        return data

    def filters(self) -> selectors.TrailFilters:
        data = self.cleaned_data
        return selectors.TrailFilters(
            actor=data.get("qui") or "",
            action=data.get("evenement") or "",
            since=data.get("du"),
            until=data.get("au"),
            person=data.get("personne") or "",
            text=data.get("texte") or "",
            reads_only=bool(data.get("lectures")),
        )


def _trail_filters(request: HttpRequest) -> tuple[TrailForm, selectors.TrailFilters | None]:
    """The search form of the trail (page and CSV alike) and its filters; None when refused."""
    form = TrailForm(request.GET if any(k in request.GET for k in TrailForm.base_fields) else None)
    if not form.is_bound:
        return form, selectors.TrailFilters()
    return form, form.filters() if form.is_valid() else None


def _trail_refused(request: HttpRequest, form: TrailForm) -> HttpResponse:
    return render(
        request, "privacy/trail.html", {"form": form, "page_title": "Journal d'audit"}, status=400
    )


@page(roles=DPO, national=False)
def trail(request: HttpRequest, *, access: Access) -> HttpResponse:
    """The département's audit trail for the DPO: ids and codes, never a person's identity."""
    form, filters = _trail_filters(request)
    if filters is None:
        return _trail_refused(request, form)
    events = selectors.trail_search(access=access, filters=filters)
    page_obj = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    readers = None
    if filters.person:
        person_id = selectors.trail_person_id(filters.person)
        if person_id is not None:
            readers = selectors.person_readers(access=access, person_id=person_id)
    return render(
        request,
        "privacy/trail.html",
        {
            "form": form,
            "rows": selectors.trail_rows(page_obj.object_list),
            "page_obj": page_obj,
            "query": query.urlencode(),
            "readers": readers,
            "page_title": "Journal d'audit",
        },
    )


@page(roles=DPO, national=False)
def trail_csv(request: HttpRequest, *, access: Access) -> HttpResponse:
    form, filters = _trail_filters(request)
    if filters is None:
        return _trail_refused(request, form)
    events = selectors.trail_search(access=access, filters=filters)
    response = HttpResponse(
        selectors.trail_csv(events=events), content_type="text/csv; charset=utf-8"
    )
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="journal-audit-{day}.csv"'
    return response
