"""Limits on what a person may type, declared once for the pages, the API and the domain.

- **Dates**: nothing this platform records lies before 1900 (the oldest birth date) or after
  2100. Outside that range a date is a typing error or an attack, and `9999-12-31` plus a
  three-year mandate overflows Python's calendar. `install()` makes the range the default
  validator of every date and date-time field of Django's forms and of DRF's serializers,
  model-generated ones included, so no field can forget it.
- **Text**: bidirectional override and isolate characters (U+202A–U+202E, U+2066–U+2069) make a
  name display as something else than what is stored ("Trojan Source"): refused in identity
  fields and titles.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
DATE_RANGE_MESSAGE = "Date hors de la plage acceptée (du 01/01/1900 au 31/12/2100)."

# What a refusal says when PostgreSQL, not a validator, refused a value (pages and API alike).
DATA_ERROR_MESSAGE = (
    "Une valeur dépasse les limites acceptées (nombre trop grand, texte trop long ou caractère "
    "refusé) ; rien n'a été enregistré."
)
MISSING_PARAMETER_MESSAGE = (
    "Aucun paramètre légal n'est en vigueur à cette date : la date est antérieure aux textes."
)

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
BIDI_MESSAGE = "Les caractères de contrôle de direction du texte ne sont pas acceptés."


def plausible_date(value: Any) -> None:
    """Validator: refuse a date (or date-time) outside DATE_MIN..DATE_MAX."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if isinstance(day, dt.date) and not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_range")


def is_plausible_date(value: dt.date) -> bool:
    return DATE_MIN <= value <= DATE_MAX


def no_bidi_controls(value: Any) -> None:
    """Validator: refuse text carrying a bidirectional override or isolate character."""
    if isinstance(value, str) and BIDI_CONTROLS.intersection(value):
        raise ValidationError(BIDI_MESSAGE, code="bidi")


def has_bidi_controls(value: str) -> bool:
    return bool(BIDI_CONTROLS.intersection(value))


def parse_int(value: Any, *, default: int = -1) -> int:
    """An integer typed in a form or a query string, `default` if it is not one.

    Only ASCII digits: '²' and other Unicode digits pass str.isdigit() and fail int(); at most
    18 digits, so the result fits every integer column and no huge number is parsed.
    """
    text = str(value).strip()
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 18):
        return default
    return int(text)


def model_field_errors(model: Any, values: dict[str, Any]) -> dict[str, list[str]]:
    """The model's own limits (length, integer range, choices) on values about to be stored,
    so a domain function refuses with reasons what PostgreSQL would refuse with an error."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        field = model._meta.get_field(name)
        try:
            field.clean(value, None)
        except ValidationError as exc:
            errors[name] = list(exc.messages)
    return errors


def install() -> None:
    """Make the date range the default validator of every form and serializer date field."""
    from django import forms
    from rest_framework import serializers

    fields: tuple[Any, ...] = (
        forms.DateField,
        forms.DateTimeField,
        serializers.DateField,
        serializers.DateTimeField,
    )
    for field in fields:
        current = list(vars(field).get("default_validators", []))
        if plausible_date not in current:
            field.default_validators = [*current, plausible_date]
