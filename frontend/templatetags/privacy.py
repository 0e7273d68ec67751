"""`{{ value|epsilon }}`: an ε as people read it in French ("0,5", "2"), not "0,500"."""

from __future__ import annotations

from decimal import Decimal

from django import template

from parcours.reporting.privacy import epsilon_text

register = template.Library()


@register.filter
def epsilon(value: Decimal | None) -> str:
    return "" if value is None else epsilon_text(value)
