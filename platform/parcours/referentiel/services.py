"""Loading and editing national reference data; every edit is audited in the public trail."""

from __future__ import annotations

import csv
import datetime as dt
import gettext
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pycountry
from django.core.exceptions import ValidationError
from django.db import transaction
from django_tenants.utils import schema_context

from parcours.audit.services import audit_record
from parcours.referentiel.models import (
    Confidence,
    Departement,
    LegalParameter,
    NomenclatureItem,
    NomenclatureKind,
    Region,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
COG_SOURCE = "INSEE, Code officiel géographique au 1er janvier 2024"


@dataclass(frozen=True)
class LoadSummary:
    regions: int
    departements: int
    nomenclature_items: int
    legal_parameters: int


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _nationalities() -> list[dict[str, str]]:
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    return [
        {
            "kind": NomenclatureKind.NATIONALITY,
            "code": country.alpha_3,
            "label": french.gettext(country.name),
            "position": "0",
            "attributes": json.dumps({"alpha_2": country.alpha_2}),
            "source": "ISO 3166-1 (pycountry)",
        }
        for country in pycountry.countries
    ]


def referentiel_load() -> LoadSummary:
    """Create or update the reference data shipped with the code (idempotent).

    Existing legal parameter rows are never changed: a new value is a new dated row.
    """
    with schema_context("public"), transaction.atomic():
        regions = {}
        for row in _rows("regions.csv"):
            region, _ = Region.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"]}
            )
            regions[row["code"]] = region
        departements = 0
        for row in _rows("departements.csv"):
            Departement.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "region": regions[row["region"]],
                    "source": COG_SOURCE,
                },
            )
            departements += 1
        existing = {(i.kind, i.code) for i in NomenclatureItem.objects.only("kind", "code")}
        new_items = [
            NomenclatureItem(
                kind=row["kind"],
                code=row["code"],
                label=row["label"],
                position=int(row["position"]),
                attributes=json.loads(row["attributes"] or "{}"),
                source=row["source"],
            )
            for row in _rows("nomenclatures.csv") + _nationalities()
            if (row["kind"], row["code"]) not in existing
        ]
        NomenclatureItem.objects.bulk_create(new_items)
        known = set(LegalParameter.objects.values_list("key", "territory", "effective_from"))
        new_parameters = []
        for row in _rows("legal_parameters.csv"):
            effective = dt.date.fromisoformat(row["effective_from"])
            if (row["key"], row["territory"], effective) in known:
                continue
            new_parameters.append(
                LegalParameter(
                    key=row["key"],
                    territory=row["territory"],
                    value=Decimal(row["value"]),
                    unit=row["unit"],
                    effective_from=effective,
                    label=row["label"],
                    source=row["source"],
                    confidence=row["confidence"],
                )
            )
        LegalParameter.objects.bulk_create(new_parameters)
        if new_items or new_parameters:
            audit_record(
                action="referentiel.loaded",
                data={
                    "nomenclature_items": len(new_items),
                    "legal_parameters": len(new_parameters),
                },
            )
        return LoadSummary(len(regions), departements, len(new_items), len(new_parameters))


def legal_parameter_add(
    *,
    key: str,
    value: Decimal,
    effective_from: dt.date,
    source: str,
    confidence: str,
    territory: str = "",
    actor_id: int,
) -> LegalParameter:
    """Record a new value of an existing legal parameter from a date of effect."""
    with schema_context("public"), transaction.atomic():
        previous = (
            LegalParameter.objects.filter(key=key, territory=territory)
            .order_by("-effective_from")
            .first()
        )
        if previous is None:
            previous = LegalParameter.objects.filter(key=key).order_by("-effective_from").first()
        if previous is None:
            raise ValidationError({"key": "Paramètre légal inconnu."})
        if territory and not Departement.objects.filter(code=territory).exists():
            raise ValidationError(
                {"territory": "Territoire inconnu : indiquez un code de département."}
            )
        if value < 0:
            raise ValidationError({"value": "La valeur ne peut pas être négative."})
        if confidence not in Confidence.values:
            raise ValidationError({"confidence": "Niveau de confiance inconnu."})
        if LegalParameter.objects.filter(
            key=key, territory=territory, effective_from=effective_from
        ).exists():
            raise ValidationError(
                {"effective_from": "Une valeur existe déjà à cette date d'effet pour ce paramètre."}
            )
        parameter = LegalParameter.objects.create(
            key=key,
            territory=territory,
            value=value,
            unit=previous.unit,
            effective_from=effective_from,
            label=previous.label,
            source=source,
            confidence=confidence,
        )
        audit_record(
            action="referentiel.legal_parameter_added",
            actor_id=actor_id,
            object_type="legal_parameter",
            object_id=parameter.pk,
            data={
                "key": key,
                "territory": territory,
                "value": str(value),
                "effective_from": effective_from.isoformat(),
                "previous_value": str(previous.value),
            },
        )
        return parameter


def nomenclature_item_update(
    *, item: NomenclatureItem, label: str, is_active: bool, actor_id: int
) -> NomenclatureItem:
    label = label.strip()
    if not label:
        raise ValidationError({"label": "Le libellé est obligatoire."})
    with schema_context("public"), transaction.atomic():
        locked = NomenclatureItem.objects.select_for_update().get(pk=item.pk)
        before = {"label": locked.label, "is_active": locked.is_active}
        locked.label = label
        locked.is_active = is_active
        locked.save(update_fields=["label", "is_active"])
        audit_record(
            action="referentiel.nomenclature_item_updated",
            actor_id=actor_id,
            object_type="nomenclature_item",
            object_id=locked.pk,
            data={"before": before, "after": {"label": label, "is_active": is_active}},
        )
        return locked
