"""Reads of national reference data; the dated legal parameters above all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from parcours.errors import Refused
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
    raise MissingLegalParameter(f"Aucune valeur de {key} en vigueur le {on:%d/%m/%Y}")


def nomenclature(*, kind: str, active_only: bool = True) -> list[NomenclatureItem]:
    items = NomenclatureItem.objects.filter(kind=kind)
    if active_only:
        items = items.filter(is_active=True)
    return list(items.order_by("position", "label"))
