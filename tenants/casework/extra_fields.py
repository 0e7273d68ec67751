"""A département's complementary fields, checked against the JSON Schema of its variant."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator


def extra_fields_errors(*, schema: dict[str, Any], values: dict[str, Any]) -> dict[str, list[str]]:
    """The département's complementary fields checked against their JSON Schema, in French."""
    errors: dict[str, list[str]] = {}
    for error in Draft202012Validator(schema).iter_errors(values):
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else "extra"
            errors.setdefault(missing, []).append("Ce champ complémentaire est obligatoire.")
        else:
            field = str(error.path[0]) if error.path else "extra"
            errors.setdefault(field, []).append(
                f"Valeur refusée ({error.validator} : {error.message})."
            )
    return errors
