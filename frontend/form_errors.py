"""Putting a domain function's refusals on the page's form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django import forms


def add_field_errors(form: forms.Form, errors: Mapping[str, Sequence[str]]) -> None:
    """Each error on its field; those naming no field of this form go on top of it."""
    for field, messages in errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
