"""The national console (base host): départements, reference data. Never case data."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from frontend.decorators import page
from frontend.form_errors import add_field_errors
from parcours.accounts.models import User
from parcours.accounts.permissions import (
    ALL_NATIONAL_ROLES,
    NATIONAL_OPERATOR_ONLY,
    Access,
)
from parcours.audit.selectors import audit_events_for
from parcours.departements.provisioning import ProvisioningError
from parcours.departements.selectors import departement_statuses
from parcours.departements.services import departement_provision_request
from parcours.referentiel.models import (
    Confidence,
    LegalParameter,
    NomenclatureItem,
    NomenclatureKind,
)
from parcours.referentiel.services import legal_parameter_add, nomenclature_item_update


@page(roles=ALL_NATIONAL_ROLES, national=True)
def home(request: HttpRequest, *, access: Access) -> HttpResponse:
    rows = departement_statuses()
    counts = {
        "total": len(rows),
        "active": sum(1 for r in rows if r.status == "active"),
        "not_provisioned": sum(1 for r in rows if r.status == "not_provisioned"),
        "requested": sum(1 for r in rows if r.status == "requested"),
    }
    return render(
        request,
        "national/home.html",
        {
            "rows": rows,
            "counts": counts,
            "can_provision": access.has_any(NATIONAL_OPERATOR_ONLY),
            "port_suffix": _port_suffix(request),
        },
    )


def _port_suffix(request: HttpRequest) -> str:
    port = request.get_port()
    return f":{port}" if port and port not in {"80", "443"} else ""


@page(roles=NATIONAL_OPERATOR_ONLY, national=True)
@require_POST
def provision(request: HttpRequest, code: str, *, access: Access) -> HttpResponse:
    try:
        departement_provision_request(codes=[code], actor_id=access.user_id or 0)
    except ProvisioningError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Le provisionnement du département {code} a été demandé ; il apparaîtra "
            "comme actif dans quelques secondes.",
        )
    return HttpResponseRedirect(reverse("frontend:home"))


class LegalParameterForm(forms.Form):
    key = forms.ChoiceField(label="Paramètre")
    territory = forms.CharField(
        label="Territoire (code du département, vide pour tous)", required=False, max_length=3
    )
    value = forms.DecimalField(
        label="Nouvelle valeur",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        error_messages={"required": "Indiquez la valeur.", "invalid": "Saisissez un nombre."},
    )
    effective_from = forms.DateField(
        label="Date d'effet",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Indiquez la date d'effet.", "invalid": "Date invalide."},
    )
    source = forms.CharField(
        label="Texte source",
        max_length=300,
        error_messages={"required": "Citez le texte qui fixe cette valeur."},
    )
    confidence = forms.ChoiceField(label="Confiance", choices=Confidence.choices)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # One choice per parameter, named in words (a territory's value may carry its own label).
        labels: dict[str, str] = {}
        for key, label in LegalParameter.objects.order_by("key", "territory").values_list(
            "key", "label"
        ):
            labels.setdefault(key, label)
        choices = sorted(labels.items(), key=lambda item: item[1])
        self.fields["key"].choices = choices  # type: ignore[attr-defined]


@page(roles=ALL_NATIONAL_ROLES, national=True)
def referentiel(request: HttpRequest, *, access: Access) -> HttpResponse:
    can_edit = access.has_any(NATIONAL_OPERATOR_ONLY)
    form = LegalParameterForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        if not can_edit or form is None:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        if form.is_valid():
            try:
                legal_parameter_add(
                    key=form.cleaned_data["key"],
                    territory=form.cleaned_data["territory"].strip().upper(),
                    value=form.cleaned_data["value"],
                    effective_from=form.cleaned_data["effective_from"],
                    source=form.cleaned_data["source"],
                    confidence=form.cleaned_data["confidence"],
                    actor_id=access.user_id or 0,
                )
            except ValidationError as exc:
                add_field_errors(form, exc.message_dict)
            else:
                messages.success(request, "La nouvelle valeur a été enregistrée.")
                return HttpResponseRedirect(reverse("frontend:referentiel"))
    items = list(NomenclatureItem.objects.exclude(kind=NomenclatureKind.NATIONALITY))
    groups = [
        {
            "label": kind.label,
            "kind": kind.value,
            "items": [i for i in items if i.kind == kind.value],
        }
        for kind in NomenclatureKind
        if kind != NomenclatureKind.NATIONALITY
    ]
    nationalities = NomenclatureItem.objects.filter(kind=NomenclatureKind.NATIONALITY).count()
    history = audit_events_for(action_prefix="referentiel.")
    actors = {
        user.pk: user.display_name
        for user in User.objects.filter(pk__in={e.actor_id for e in history if e.actor_id})
    }
    return render(
        request,
        "national/referentiel.html",
        {
            "parameters": LegalParameter.objects.all(),
            "groups": groups,
            "nationalities": nationalities,
            "form": form,
            "can_edit": can_edit,
            "history": [(event, actors.get(event.actor_id or 0, "système")) for event in history],
        },
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


class NomenclatureItemForm(forms.Form):
    label = forms.CharField(
        label="Libellé", max_length=200, error_messages={"required": "Le libellé est obligatoire."}
    )
    is_active = forms.BooleanField(label="En usage", required=False)


@page(roles=NATIONAL_OPERATOR_ONLY, national=True)
def nomenclature_item_edit(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    item = get_object_or_404(NomenclatureItem, pk=pk)
    form = NomenclatureItemForm(
        request.POST or None, initial={"label": item.label, "is_active": item.is_active}
    )
    if request.method == "POST" and form.is_valid():
        try:
            nomenclature_item_update(
                item=item,
                label=form.cleaned_data["label"],
                is_active=form.cleaned_data["is_active"],
                actor_id=access.user_id or 0,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "L'entrée a été mise à jour.")
            return HttpResponseRedirect(reverse("frontend:referentiel"))
    return render(
        request,
        "national/nomenclature_item.html",
        {"item": item, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )
