"""The national registry of associations (national console) and approvals (département)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from frontend.decorators import page
from frontend.form_errors import add_field_errors
from parcours.accounts.models import Role
from parcours.accounts.permissions import ALL_NATIONAL_ROLES, NATIONAL_OPERATOR_ONLY, Access
from parcours.associations.models import Association
from parcours.associations.services import FIELDS as ASSOCIATION_FIELDS
from parcours.associations.services import association_save
from parcours.errors import Refused
from parcours.referentiel.selectors import legal_parameter_value
from tenants.agrements import commands as agrement_commands
from tenants.agrements import selectors as agrement_selectors
from tenants.agrements import services as agrements
from tenants.agrements.models import Agrement


class AssociationForm(forms.Form):
    name = forms.CharField(
        label="Nom", max_length=200, error_messages={"required": "Indiquez le nom."}
    )
    rna = forms.CharField(
        label="Numéro RNA (W + 9 chiffres)",
        max_length=10,
        error_messages={"required": "Indiquez le numéro RNA."},
    )
    siret = forms.CharField(label="Numéro SIRET", max_length=17, required=False)
    head_office = forms.CharField(label="Département du siège (code)", max_length=3)
    head_office_address = forms.CharField(label="Adresse du siège", max_length=300, required=False)
    declared_on = forms.DateField(
        label="Date de déclaration en préfecture",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Indiquez la date de déclaration.",
            "invalid": "Date invalide.",
        },
    )
    contact_email = forms.EmailField(label="Courriel de contact", required=False)
    contact_phone = forms.CharField(label="Téléphone", max_length=30, required=False)


def _registry_save(form: AssociationForm, *, access: Access, association_id: int | None) -> bool:
    """Register or update from a valid form; the registry's refusals go on the form."""
    data = dict(form.cleaned_data)
    head_office = data.pop("head_office")
    try:
        association_save(
            association_id=association_id,
            data=data,
            head_office=head_office,
            actor_id=access.user_id or 0,
        )
    except ValidationError as exc:
        add_field_errors(form, exc.message_dict)
        return False
    return True


@page(roles=ALL_NATIONAL_ROLES, national=True)
def registry(request: HttpRequest, *, access: Access) -> HttpResponse:
    can_edit = access.has_any(NATIONAL_OPERATOR_ONLY)
    form = AssociationForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid() and _registry_save(form, access=access, association_id=None):
            messages.success(request, "L'association est inscrite au registre.")
            return HttpResponseRedirect(reverse("frontend:associations"))
    today = timezone.localdate()
    # The same dated parameter agrement_request applies, read once for the whole registry.
    years = int(legal_parameter_value(key="association_min_seniority_years", on=today))
    rows = []
    for a in Association.objects.select_related("head_office_departement").order_by("name"):
        eligible_on = a.seniority_reached_on(years=years)
        rows.append(
            {"association": a, "eligible_on": eligible_on, "eligible": eligible_on <= today}
        )
    return render(
        request,
        "associations/registry.html",
        {"rows": rows, "form": form, "page_title": "Registre des associations"},
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


@page(roles=NATIONAL_OPERATOR_ONLY, national=True)
def registry_edit(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    association = (
        Association.objects.select_related("head_office_departement").filter(pk=pk).first()
    )
    if association is None:
        raise Http404
    initial = {f: getattr(association, f) for f in ASSOCIATION_FIELDS}
    initial["head_office"] = association.head_office_departement.code
    form = AssociationForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and _registry_save(form, access=access, association_id=association.pk)
    ):
        messages.success(request, "L'association est mise à jour.")
        return HttpResponseRedirect(reverse("frontend:associations"))
    return render(
        request,
        "associations/edit.html",
        {"form": form, "association": association, "page_title": association.name},
        status=400 if form.is_bound and form.errors else 200,
    )


class RequestForm(forms.Form):
    association = forms.ChoiceField(label="Association (registre national)")
    requested_on = forms.DateField(
        label="Demande reçue le",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Indiquez la date de réception.", "invalid": "Date invalide."},
    )
    departements = forms.CharField(
        label="Départements demandés (codes séparés par des virgules)", max_length=300
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        associations = list(Association.objects.order_by("name").values_list("pk", "name"))
        self.fields["association"].choices = associations  # type: ignore[attr-defined]


@page(roles={Role.COORDINATOR, Role.PREFET}, national=False)
def agrement_list(request: HttpRequest, *, access: Access) -> HttpResponse:
    can_edit = Role.COORDINATOR in access.roles
    form = RequestForm(request.POST or None) if can_edit else None
    if request.method == "POST" and form is not None and form.is_valid():
        codes = [
            c.strip().upper() for c in form.cleaned_data["departements"].split(",") if c.strip()
        ]
        try:
            agrements.agrement_request(
                access=access,
                association_id=int(form.cleaned_data["association"]),
                requested_on=form.cleaned_data["requested_on"],
                departements=codes,
            )
        except Refused as exc:
            form.add_error(None, " ".join(exc.reasons))
        else:
            messages.success(request, "La demande d'agrément est enregistrée.")
            return HttpResponseRedirect(reverse("frontend:agrements"))
    rows = [
        {
            "agrement": a,
            "tacit_on": agrement_selectors.tacit_approval_on(agrement=a)
            if a.status in {"requested", "complete"}
            else None,
            "deadline": agrements.completeness_deadline(agrement=a)
            if a.status == "requested"
            else None,
        }
        for a in Agrement.objects.select_related("association").order_by("-requested_on")
    ]
    return render(
        request,
        "associations/agrements.html",
        {
            "rows": rows,
            "form": form,
            "can_edit": can_edit,
            "is_prefet": Role.PREFET in access.roles,
            "page_title": "Agréments",
        },
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


@page(roles={Role.COORDINATOR, Role.PREFET}, national=False)
@require_POST
def agrement_action(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    # The same command table as the API (tenants/agrements/commands.py); an approval that
    # cannot be renewed or handed over is a 404 (NotInScope, translated by @page).
    try:
        done = agrement_commands.agrement_act(
            access=access, agrement_id=pk, action=request.POST.get("action", ""), data=request.POST
        )
    except Refused as exc:
        for reason in exc.reasons:
            messages.error(request, reason)
    else:
        messages.success(request, done.message)
    return HttpResponseRedirect(reverse("frontend:agrements"))


@page(roles={Role.COORDINATOR}, national=False)
@require_POST
def agrement_arrete(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    upload = request.FILES.get("file")
    try:
        agrements.agrement_arrete_attach(
            access=access, agrement_id=pk, data=upload.read() if upload else b""
        )
    except Refused as exc:
        for reason in exc.reasons:
            messages.error(request, reason)
    else:
        messages.success(request, "L'arrêté est joint.")
    return HttpResponseRedirect(reverse("frontend:agrements"))


@page(roles={Role.COORDINATOR, Role.PREFET}, national=False)
def agrement_arrete_download(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    document = agrement_selectors.arrete_pdf(agrement_id=pk)
    if document is None:
        raise Http404
    filename, content = document
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
