"""The national registry of associations: registered and edited by the national operator, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from parcours.associations.models import Association, rna_validator
from parcours.audit.services import audit_record
from parcours.referentiel.models import Departement

FIELDS = (
    "name",
    "rna",
    "siret",
    "head_office_address",
    "declared_on",
    "contact_email",
    "contact_phone",
)


def siret_is_valid(siret: str) -> bool:
    """SIRET numbers satisfy the Luhn checksum (La Poste's establishments excepted)."""
    if len(siret) != 14 or not siret.isdigit():
        return False
    if siret.startswith("356000000"):
        return sum(int(c) for c in siret) % 5 == 0
    total = 0
    for index, char in enumerate(reversed(siret)):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def association_save(
    *, association_id: int | None, data: dict[str, Any], head_office: str, actor_id: int
) -> Association:
    """Create or update an entry of the registry; refused field by field in French."""
    errors: dict[str, list[str]] = {}
    siret = (data.get("siret") or "").replace(" ", "")
    if siret and not siret_is_valid(siret):
        errors["siret"] = ["Numéro SIRET invalide (14 chiffres, clé de contrôle)."]
    try:
        rna_validator(str(data.get("rna") or ""))
    except ValidationError as exc:
        errors["rna"] = list(exc.messages)
    declared = data.get("declared_on")
    if isinstance(declared, dt.date) and declared > timezone.localdate():
        errors["declared_on"] = ["La date de déclaration est dans le futur."]
    departement = Departement.objects.filter(code=head_office.upper()).first()
    if departement is None:
        errors["head_office"] = ["Département du siège inconnu."]
    if errors:
        raise ValidationError(errors)
    with schema_context("public"), transaction.atomic():
        association = (
            Association()
            if association_id is None
            else Association.objects.select_for_update().get(pk=association_id)
        )
        for field in FIELDS:
            if field in data:
                setattr(association, field, siret if field == "siret" else data[field])
        association.head_office_departement = departement  # type: ignore[assignment]
        association.full_clean()
        association.save()
        audit_record(
            action="association.saved",
            actor_id=actor_id,
            object_type="association",
            object_id=association.pk,
            data={"created": association_id is None},
        )
        return association
