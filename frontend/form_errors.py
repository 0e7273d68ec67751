"""Putting a domain function's refusals on the page's form, and finding the forms a page failed.

A page that refuses a form says so three times, as the RGAA asks: "Erreur" first in its title,
a summary at the top of the page that takes the focus and links to each field in error, and the
message beside the field, tied to it by `aria-describedby` (includes/field.html).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms


def add_field_errors(form: forms.Form, errors: Mapping[str, Sequence[str]]) -> None:
    """Each error on its field; those naming no field of this form go on top of it."""
    for field, messages in errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


@dataclass(frozen=True)
class FieldError:
    label: str
    message: str
    anchor: str  # the id of the field's element, "" for an error of the whole form


def failed_forms(values: Mapping[Any, Any]) -> list[forms.BaseForm]:
    """The bound forms with errors among a page's context values (whatever their names)."""
    found: list[forms.BaseForm] = []
    for value in values.values():
        failed = isinstance(value, forms.BaseForm) and value.is_bound and bool(value.errors)
        if failed and all(value is not other for other in found):
            found.append(value)
    return found


def error_list(form: forms.BaseForm) -> list[FieldError]:
    """The form's errors in the order of its fields, those of the whole form first."""
    errors = [FieldError("", str(message), "") for message in form.non_field_errors()]
    for bound in form:
        errors.extend(
            FieldError(str(bound.label), str(message), bound.auto_id or "")
            for message in bound.errors
        )
    return errors
