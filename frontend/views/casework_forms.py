"""The forms of the file pages; a transition's form is derived from the declaration of its inputs."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from django import forms
from django.utils import timezone

from parcours.referentiel.selectors import nomenclature_choices
from parcours.workflows.definition import FormName
from parcours.workflows.inputs import CommentUse, FieldType, InputField
from tenants.casework.forms import INPUTS
from tenants.casework.models import ActionStatus, Avis, ProjectDomain
from tenants.casework.persons import SEXES


def _page_field(spec: InputField) -> forms.Field:
    """The page's field for one declared input. Left optional here: the domain checks what is
    required with the file in view (a renewal's start is computed), with the declared messages."""
    common: dict[str, Any] = {"label": spec.label, "required": False}
    match spec.type:
        case FieldType.DATE:
            return forms.DateField(
                widget=forms.DateInput(attrs={"type": "date"}),
                error_messages={"invalid": spec.invalid},
                **common,
            )
        case FieldType.COUNT:
            return forms.IntegerField(
                min_value=spec.minimum,
                max_value=spec.maximum,
                error_messages={
                    "invalid": spec.invalid,
                    "min_value": spec.out_of_range,
                    "max_value": spec.out_of_range,
                },
                **common,
            )
        case FieldType.CHOICE:
            return forms.ChoiceField(
                choices=[("", "—"), *spec.choices],
                error_messages={"invalid_choice": spec.invalid},
                **common,
            )
        case FieldType.CHOICES:
            return forms.MultipleChoiceField(
                choices=list(spec.choices),
                widget=forms.CheckboxSelectMultiple,
                error_messages={"invalid_choice": spec.invalid},
                **common,
            )
        case FieldType.TEXT:
            return forms.CharField(
                max_length=spec.max_length,
                widget=forms.Textarea(attrs={"rows": 4}),
                error_messages={"max_length": spec.invalid},
                **common,
            )


@cache
def transition_form_class(form: FormName) -> type[forms.Form]:
    """The form a transition shows on the file page, built from its declared inputs."""
    inputs = INPUTS[form]
    fields: dict[str, forms.Field] = {}
    if inputs.comment is not CommentUse.HIDDEN:
        fields["comment"] = forms.CharField(
            label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 3})
        )
    fields |= {spec.name: _page_field(spec) for spec in inputs.fields}
    name = "".join(part.capitalize() for part in form.value.split("_")) or "Plain"
    return type(f"{name}TransitionForm", (forms.Form,), fields)


class PersonForm(forms.Form):
    last_name = forms.CharField(
        label="Nom", max_length=150, error_messages={"required": "Indiquez le nom."}
    )
    first_name = forms.CharField(
        label="Prénom", max_length=150, error_messages={"required": "Indiquez le prénom."}
    )
    sex = forms.ChoiceField(
        label="Sexe",
        required=False,
        choices=[("", "Non précisé"), *SEXES.items()],
        error_messages={"invalid_choice": "Choisissez une valeur de la liste."},
    )
    birth_date = forms.DateField(
        label="Date de naissance",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Date invalide."},
    )
    nationality = forms.ChoiceField(label="Nationalité", required=False)
    phone = forms.CharField(label="Téléphone", max_length=40, required=False)
    email = forms.EmailField(
        label="Adresse électronique",
        required=False,
        error_messages={"invalid": "Adresse électronique invalide."},
    )
    id_document = forms.CharField(
        label="Référence de la pièce d'identité", max_length=100, required=False
    )
    children_count = forms.IntegerField(
        label="Nombre d'enfants à charge",
        min_value=0,
        max_value=20,
        initial=0,
        error_messages={"min_value": "Nombre positif attendu.", "invalid": "Nombre attendu."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        countries = nomenclature_choices(kind="nationality", every=True)
        self.fields["nationality"].choices = [("", "—"), *countries]  # type: ignore[attr-defined]

    def clean_birth_date(self) -> dt.date | None:
        value = self.cleaned_data.get("birth_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError("La date de naissance est dans le futur.")
        return value


class UploadForm(forms.Form):
    doc_type = forms.ChoiceField(label="Type de pièce")
    file = forms.FileField(
        label="Fichier (PDF, PNG ou JPEG, 10 Mo au plus)",
        error_messages={"required": "Choisissez un fichier."},
    )


class EvaluationForm(forms.Form):
    evaluated_on = forms.DateField(
        label="Date de l'évaluation",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Indiquez la date.", "invalid": "Date invalide."},
    )
    needs = forms.CharField(
        label="Besoins repérés (un par ligne)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    notes = forms.CharField(
        label="Notes (confidentielles, chiffrées)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    sign_off = forms.BooleanField(label="Évaluation validée avec la personne", required=False)


class ProjectForm(forms.Form):
    housing = forms.CharField(
        label="Objectifs — logement et hébergement",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    care = forms.CharField(
        label="Objectifs — soins", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    rights = forms.CharField(
        label="Objectifs — accès aux droits",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    social = forms.CharField(
        label="Objectifs — insertion sociale",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    professional = forms.CharField(
        label="Objectifs — insertion professionnelle",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    commitments = forms.CharField(
        label="Engagements de la personne",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Indiquez les engagements de la personne."},
    )
    signed_on = forms.DateField(
        label="Date de co-signature",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Date invalide."},
    )


class AvisForm(forms.Form):
    avis = forms.ChoiceField(label="Avis de l'association", choices=Avis.choices)
    motivation = forms.CharField(
        label="Motivation",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Motivez l'avis."},
    )


def extra_form_class(schema: dict[str, Any]) -> type[forms.Form]:
    """A form for the département's complementary fields, built from their JSON Schema."""
    fields: dict[str, forms.Field] = {}
    required = set(schema.get("required", []))
    for name, spec in (schema.get("properties") or {}).items():
        label = spec.get("title") or name
        kind = spec.get("type")
        if "enum" in spec:
            fields[name] = forms.ChoiceField(
                label=label, required=False, choices=[("", "—")] + [(v, v) for v in spec["enum"]]
            )
        elif kind == "boolean":
            fields[name] = forms.BooleanField(label=label, required=False)
        elif kind == "integer":
            fields[name] = forms.IntegerField(label=label, required=False)
        elif kind == "string" and spec.get("format") == "date":
            fields[name] = forms.DateField(
                label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
        else:
            fields[name] = forms.CharField(
                label=label, required=False, max_length=spec.get("maxLength", 500)
            )
        if name in required:
            fields[name].help_text = "Obligatoire pour déposer le dossier."
    return type("ExtraForm", (forms.Form,), fields)


class ActionForm(forms.Form):
    domain = forms.ChoiceField(label="Domaine", choices=ProjectDomain.choices)
    description = forms.CharField(
        label="Action", max_length=300, error_messages={"required": "Décrivez l'action."}
    )
    partner = forms.CharField(label="Partenaire", max_length=200, required=False)
    due_on = forms.DateField(
        label="Échéance",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Date invalide."},
    )
    status = forms.ChoiceField(label="État", choices=ActionStatus.choices)
