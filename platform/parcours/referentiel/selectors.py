"""Reads of national reference data; the dated legal parameters above all."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django_tenants.utils import schema_context

from parcours.errors import Refused
from parcours.french import french_date
from parcours.referentiel.models import LegalParameter, NomenclatureItem


class MissingLegalParameter(Refused, LookupError):
    pass


def legal_parameter_value(*, key: str, on: dt.date, territory: str = "") -> Decimal:
    """The value in force on `on`: the territory's own value first, else the national one."""
    candidates = LegalParameter.objects.filter(
        key=key, effective_from__lte=on, territory__in={territory, ""}
    ).order_by("-effective_from")
    rows = list(candidates.values_list("territory", "value"))
    for wanted in (territory, ""):
        for row_territory, value in rows:
            if row_territory == wanted:
                return value
    raise MissingLegalParameter(f"Aucune valeur de {key} en vigueur le {french_date(on)}")


def nomenclature(*, kind: str, active_only: bool = True) -> list[NomenclatureItem]:
    items = NomenclatureItem.objects.filter(kind=kind)
    if active_only:
        items = items.filter(is_active=True)
    return list(items.order_by("position", "label"))


_LABELS_TTL = 60.0  # seconds: an edited label shows within a minute, at one query a minute
_read_at: dict[tuple[str, str], tuple[float, Any]] = {}


def _once_a_minute(key: tuple[str, str], read: Callable[[], Any]) -> Any:
    now = time.monotonic()
    cached = _read_at.get(key)
    if cached is None or now - cached[0] > _LABELS_TTL:
        with schema_context("public"):
            cached = _read_at[key] = (now, read())
    return cached[1]


def nomenclature_labels(*, kind: str) -> dict[str, str]:
    """Code → label of a nomenclature, for pages that print codes stored on their rows (a
    member's college): read at most once a minute per process rather than once per row."""
    labels: dict[str, str] = _once_a_minute(
        ("labels", kind),
        lambda: dict(NomenclatureItem.objects.filter(kind=kind).values_list("code", "label")),
    )
    return labels


def nomenclature_choices(*, kind: str, every: bool = False) -> list[tuple[str, str]]:
    """(code, label) of a nomenclature's items, for the pages that list them on every visit
    (the rights of a file, the nationalities of the identity form): read at most once a minute
    per process. Active items in their order; `every` item, inactive ones included, by label
    (a nationality recorded once must still read as a country)."""

    def read() -> list[tuple[str, str]]:
        # Built only on a miss: a page that finds the list kept builds no query at all.
        items = NomenclatureItem.objects.filter(kind=kind)
        ordered = (
            items.order_by("label")
            if every
            else items.filter(is_active=True).order_by("position", "label")
        )
        return list(ordered.values_list("code", "label"))

    choices: list[tuple[str, str]] = _once_a_minute(("every" if every else "active", kind), read)
    return choices
