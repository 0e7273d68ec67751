"""The département's adoption of the national PSP template, adjusted where the law allows."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from frontend.decorators import page
from parcours.accounts.models import Role
from parcours.accounts.permissions import WORKFLOW_READERS, Access
from parcours.db import connection
from parcours.workflows.definition import (
    EFFECT_LABELS,
    GUARD_LABELS,
    Clock,
    DefinitionError,
    Workflow,
)
from parcours.workflows.inputs import CommentUse
from parcours.workflows.services import current_template, current_variant, workflow_variant_save
from tenants.casework.forms import INPUTS

CLOCK_LABELS = {
    Clock.NONE: "pas encore déposé",
    Clock.RUNNING: "le délai court",
    Clock.PAUSED: "délai suspendu (attente de l'association)",
    Clock.STOPPED: "terminé",
}


class VariantForm(forms.Form):
    instruction_target_days = forms.IntegerField(
        label="Objectif de délai d'instruction (jours)", min_value=1, max_value=365
    )
    decision_target_days = forms.IntegerField(
        label="Objectif de délai de décision après l'avis (jours)", min_value=1, max_value=365
    )
    period_end_warning_days = forms.IntegerField(
        label="Rappel avant la fin d'une période (jours)", min_value=1, max_value=365
    )
    aps_expiry_warning_days = forms.IntegerField(
        label="Rappel avant l'expiration d'une APS (jours)", min_value=1, max_value=365
    )
    missing_items_unanswered_days = forms.IntegerField(
        label="Rappel des pièces manquantes sans réponse (jours)", min_value=1, max_value=365
    )
    early_end_of_pathway = forms.BooleanField(
        label="Le préfet peut mettre fin au parcours avant son terme", required=False
    )
    extra_documents = forms.CharField(
        label="Pièces complémentaires (une par ligne : code | libellé)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    extra_fields = forms.CharField(
        label="Champs complémentaires (schéma JSON d'un objet)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_extra_fields(self) -> dict[str, Any] | None:
        raw = self.cleaned_data["extra_fields"].strip()
        if not raw:
            return None
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                f"JSON invalide (ligne {exc.lineno}) : vérifiez, vers la colonne {exc.colno}, "
                "les guillemets, les virgules et les accolades."
            ) from exc
        return value

    def clean_extra_documents(self) -> list[dict[str, Any]]:
        documents = []
        for line in self.cleaned_data["extra_documents"].splitlines():
            if not line.strip():
                continue
            code, _, label = (part.strip() for part in line.partition("|"))
            if not code.isidentifier() or not label:
                raise forms.ValidationError(f"Ligne « {line} » : attendu « code | libellé ».")
            documents.append({"code": code, "label": label, "kinds": ["first_request", "renewal"]})
        return documents


def workflow_drawing(workflow: Workflow) -> dict[str, Any]:
    """The workflow as a coordination reads it: its states, then each step with who takes it,
    what it checks, what it asks for and what it triggers; all from the definition in force."""
    session = workflow.session_transitions
    states = [
        {
            "code": code,
            "label": state.label,
            "clock": CLOCK_LABELS[state.clock],
            "final": state.final,
            "initial": code == workflow.initial,
        }
        for code, state in workflow.states.items()
    ]
    position = {code: index for index, code in enumerate(workflow.states)}
    steps = []
    # The definition lists its steps in the order a file takes them; their sources follow the
    # order of the states, not the alphabet of their codes.
    for transition in workflow.transitions.values():
        inputs = INPUTS[transition.form]
        asked = [spec.label + ("" if spec.required else " (facultatif)") for spec in inputs.fields]
        if inputs.comment is CommentUse.REQUIRED:
            asked.insert(0, f"Raison ({inputs.comment_min_length} caractères au moins)")
        steps.append(
            {
                "name": transition.name,
                "label": transition.label,
                "from": [
                    workflow.label(source)
                    for source in sorted(transition.sources, key=lambda c: position.get(c, 0))
                ],
                "to": workflow.label(transition.target),
                "roles": sorted(Role(role).label for role in transition.roles),
                "guards": [GUARD_LABELS[guard] for guard in transition.guards],
                "inputs": asked,
                "effects": [EFFECT_LABELS[effect] for effect in transition.effects],
                "decision": transition.decision,
                "in_session": transition.name in session,
            }
        )
    deadlines = [
        (str(VariantForm.base_fields[key].label).removesuffix(" (jours)"), days)
        if key in VariantForm.base_fields
        else (key, days)
        for key, days in workflow.deadlines.items()
    ]
    return {"states": states, "steps": steps, "deadlines": deadlines}


@page(roles=WORKFLOW_READERS, national=False)
def workflow_settings(request: HttpRequest, *, access: Access) -> HttpResponse:
    tenant = access.tenant
    assert tenant is not None
    variant = current_variant(tenant=tenant)
    connection.set_tenant(tenant)
    workflow = variant.workflow
    can_edit = Role.COORDINATOR in access.roles
    current_extra = [d for d in variant.adjustments.get("documents", {}).get("add", [])]
    initial = {
        **workflow.deadlines,
        "early_end_of_pathway": workflow.options.get("early_end_of_pathway", False),
        "extra_documents": "\n".join(f"{d['code']} | {d['label']}" for d in current_extra),
        "extra_fields": json.dumps(
            variant.adjustments["extra_fields"], ensure_ascii=False, indent=2
        )
        if "extra_fields" in variant.adjustments
        else "",
    }
    form = VariantForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if not can_edit:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            adjustments: dict[str, Any] = {
                "deadlines": {k: data[k] for k in workflow.deadlines},
                "options": {"early_end_of_pathway": data["early_end_of_pathway"]},
            }
            if data["extra_documents"]:
                adjustments["documents"] = {"add": data["extra_documents"]}
            if data["extra_fields"] is not None:
                adjustments["extra_fields"] = data["extra_fields"]
            try:
                workflow_variant_save(
                    tenant=tenant,
                    template=current_template(code="psp"),
                    adjustments=adjustments,
                    actor_id=access.user_id,
                )
            except DefinitionError as exc:
                for reason in exc.reasons:
                    form.add_error(None, reason)
                status = 400
            else:
                messages.success(
                    request,
                    "Le modèle de parcours du département est enregistré ; il s'applique aux nouvelles demandes.",
                )
                return HttpResponseRedirect(reverse("frontend:workflow"))
            finally:
                connection.set_tenant(tenant)
        else:
            status = 400
    return render(
        request,
        "casework/workflow.html",
        {
            "variant": variant,
            "workflow": workflow,
            "drawing": workflow_drawing(workflow),
            "form": form,
            "can_edit": can_edit,
            "page_title": "Modèle de parcours",
        },
        status=status,
    )
