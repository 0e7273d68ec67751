"""Labels, never codes: dates, nationalities and periods as a French page writes them.

`{{ value|date_fr }}`: "15 juin 1991" from a date, a datetime or an ISO string (identities are
stored as text); "1er mai 2026" as French writes the first of the month.
`{{ code|nationality }}`: "Nigeria" for NGA (ISO 3166-1 alpha-3, French names).
`{{ release|period_label }}`: "année 2024", "3e trimestre 2024", "juillet 2024".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from parcours.french import MONTHS, french_date, french_datetime
from parcours.referentiel.countries import country_name

register = template.Library()


def _as_date(value: object) -> dt.date | None:
    # A datetime stays one: french_date brings it to local time before taking its day.
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


@register.filter
def date_fr(value: object) -> str:
    """A date in words; what is no date is shown as it is (an empty value as nothing)."""
    day = _as_date(value)
    if day is None:
        return "" if value in (None, "") else str(value)
    return french_date(day)


@register.filter
def datetime_fr(value: object) -> str:
    """ "15 juin 2026 à 14 h 30" from an aware datetime (shown in local time)."""
    if not isinstance(value, dt.datetime):
        return date_fr(value)
    return french_datetime(value)


@register.filter
def nationality(code: object) -> str:
    return country_name(code=str(code)) if code else ""


@register.filter
def period_label(release: Any) -> str:
    """The period of a release (or anything with `period_kind` and `period_start`) in words."""
    start = release.period_start
    kind = str(release.period_kind)
    if kind == "year":
        return f"année {start.year}"
    if kind == "quarter":
        quarter = (start.month - 1) // 3 + 1
        return f"{quarter}{'er' if quarter == 1 else 'e'} trimestre {start.year}"
    return f"{MONTHS[start.month - 1]} {start.year}"


UNITS = {
    "days": "jours",
    "months": "mois",
    "years": "ans",
    "persons": "personnes",
    "sessions": "réunions",
    "epsilon": "ε",
}


@register.filter
def unit_fr(unit: object) -> str:
    """A legal parameter's unit in French ("months" → "mois"); EUR and the like as they are."""
    return UNITS.get(str(unit), str(unit))


@register.filter
def role_label(code: object) -> str:
    """A role's name ("association_worker" → "Salarié·e d'association"); "" for none."""
    from parcours.accounts.models import Role

    if not code:
        return ""
    try:
        return str(Role(str(code)).label)
    except ValueError:
        return str(code)


@register.filter
def college_label(code: object) -> str:
    """A college's name ("police_securite_publique" → "Police nationale – sécurité publique")."""
    from parcours.referentiel.selectors import nomenclature_labels

    text = str(code or "")
    return nomenclature_labels(kind="college").get(text, text)


@register.filter
def label_of(labels: dict[str, str] | None, code: object) -> str:
    """`{{ labels|label_of:code }}`: a code's label from a page's table; the code if unknown."""
    text = str(code or "")
    return (labels or {}).get(text, text)
