"""`{{ value|epsilon }}`: an ε as people read it in French ("0,5", "2"), not "0,500"."""

from __future__ import annotations

from decimal import Decimal

from django import template

from parcours.reporting.privacy import EPSILON_PLACES, epsilon_text

register = template.Library()


@register.filter
def epsilon(value: Decimal | float | None) -> str:
    """A Decimal from the ledger, or a float from the stored split (OpenDP's map of a level's
    share, 0.39999999999999997 for 0.4), rounded to the ledger's three decimals."""
    if value is None:
        return ""
    if isinstance(value, float):
        value = Decimal(f"{value:.{EPSILON_PLACES}f}")
    return epsilon_text(value)
