"""Each transition's request, derived from the declaration of its inputs (tenants/casework/forms.py).

The OpenAPI document gets one request component per transition, its `data` typed field by field
(type, bounds, choices, required, the French label as description). The values are checked by
the domain against the same declaration (`transition_write`), so the API refuses exactly what the
file page refuses, with the same messages, in the `refused` format.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from parcours.workflows.definition import FormName, Transition
from parcours.workflows.inputs import (
    COMMENT_MAX_LENGTH,
    CommentUse,
    FieldType,
    InputField,
    TransitionInputs,
)
from tenants.casework.forms import INPUTS


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_") if part)


def _documented(spec: InputField) -> serializers.Field:
    """The DRF field that describes one declared input (for the schema)."""
    common: dict[str, Any] = {"required": spec.required, "help_text": spec.label}
    match spec.type:
        case FieldType.DATE:
            return serializers.DateField(**common)
        case FieldType.COUNT:
            return serializers.IntegerField(
                min_value=spec.minimum, max_value=spec.maximum, **common
            )
        case FieldType.CHOICE:
            return serializers.ChoiceField(choices=list(spec.choices), **common)
        case FieldType.CHOICES:
            return serializers.ListField(
                child=serializers.ChoiceField(choices=list(spec.choices)),
                allow_empty=not spec.required,
                **common,
            )
        case FieldType.TEXT:
            return serializers.CharField(
                min_length=spec.min_length or None,
                max_length=spec.max_length,
                allow_blank=not spec.required,
                **common,
            )


@cache
def data_serializer(form: FormName) -> type[serializers.Serializer]:
    """One component per form: transitions that ask the same (three ask only a reason) share it."""
    inputs = INPUTS[form]
    fields = {spec.name: _documented(spec) for spec in inputs.fields}
    name = f"{_camel(form.value) or 'NoInput'}TransitionData"
    return type(name, (serializers.Serializer,), {**fields, "__doc__": inputs.description})


@cache
def _data_field_class(form: FormName) -> type[serializers.DictField]:
    inputs = INPUTS[form]
    # A form that asks nothing has no component (drf-spectacular drops empty ones): an object.
    documented = extend_schema_field(
        data_serializer(form)
        if inputs.fields
        else {"type": "object", "properties": {}, "description": inputs.description}
    )
    return documented(type(f"{_camel(form.value)}DataField", (serializers.DictField,), {}))


def _declared_data(form: FormName) -> serializers.Field:
    """`data` as the client sends it (an object), documented as the declared component; its
    values are checked by the domain against the declaration."""
    return _data_field_class(form)(required=False, default=dict)


def _comment(inputs: TransitionInputs) -> serializers.CharField:
    if inputs.comment is CommentUse.REQUIRED:
        help_text = (
            f"Obligatoire : {inputs.comment_min_length} caractères au moins "
            "(gardé dans l'historique du dossier)."
        )
    else:
        help_text = "Facultatif, gardé dans l'historique du dossier."
    return serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=COMMENT_MAX_LENGTH,
        help_text=help_text,
    )


def _expected_state() -> serializers.CharField:
    return serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="the state the client saw; a different current state is a 409 conflict",
    )


def transition_request_serializer(transition: Transition) -> type[serializers.Serializer]:
    """The request of one transition: `{"data": {…}, "comment": "…", "expected_state": "…"}`."""
    inputs = INPUTS[transition.form]
    return type(
        f"{_camel(transition.name)}TransitionRequest",
        (serializers.Serializer,),
        {
            "__doc__": f"{transition.label}. {inputs.description}",
            "data": _declared_data(transition.form),
            "comment": _comment(inputs),
            "expected_state": _expected_state(),
        },
    )


class TransitionSerializer(serializers.Serializer):
    """A transition named in the URL: a département's optional step (no data), or any other
    name, refused with the reason."""

    data = serializers.DictField(required=False, default=dict)  # type: ignore[assignment]
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=COMMENT_MAX_LENGTH
    )
    expected_state = _expected_state()
