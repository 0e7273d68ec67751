"""Recording a person an association accompanies: the identity checked, then encrypted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pycountry
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.audit.services import audit_record
from parcours.referentiel.models import NomenclatureItem, NomenclatureKind
from parcours.validation import (
    BIDI_MESSAGE,
    DATE_RANGE_MESSAGE,
    has_bidi_controls,
    is_plausible_date,
)
from tenants.casework.acting import require_worker
from tenants.casework.crypto import encrypt_json
from tenants.casework.errors import CaseworkError
from tenants.casework.models import Person, PseudonymCounter
from tenants.casework.name_index import person_name_index

IDENTITY_KEYS = (
    "last_name",
    "first_name",
    "sex",
    "birth_date",
    "nationality",
    "phone",
    "email",
    "address",
    "id_document",
)


def _next_pseudonym(*, code: str, year: int) -> str:
    counter, _ = PseudonymCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"PSP-{code}-{year}-{counter.last:04d}"


MAX_LANGUAGES = 10
# As the person states it; "X" when neither applies. Counted in the national statistics' breakdown
# by sex (tenants/statistics/extraction.py), never shown beyond the file.
SEXES = {"F": "Femme", "M": "Homme", "X": "Autre"}


def _check_identity(
    *, identity: dict[str, str], birth_date: dt.date | None, languages: list[str]
) -> None:
    """What the pages and the API both refuse in an identity, whatever their own forms check."""
    fields: dict[str, list[str]] = {}
    for key, value in identity.items():
        if has_bidi_controls(value) or any(ord(ch) < 32 for ch in value):
            fields[key] = [BIDI_MESSAGE]
    if birth_date and not is_plausible_date(birth_date):
        fields["birth_date"] = [DATE_RANGE_MESSAGE]
    if identity.get("sex") and identity["sex"] not in SEXES:
        fields["sex"] = ["Choisissez une valeur de la liste (femme, homme, autre)."]
    nationality = identity.get("nationality") or ""
    if (
        nationality
        and not NomenclatureItem.objects.filter(
            kind=NomenclatureKind.NATIONALITY, code=nationality
        ).exists()
    ):
        fields["nationality"] = ["Choisissez une nationalité de la liste ISO 3166."]
    if len(languages) > MAX_LANGUAGES:
        fields["languages"] = [f"{MAX_LANGUAGES} langues au plus."]
    elif any(not _is_language(code) for code in languages):
        fields["languages"] = ["Codes de langue ISO 639 attendus (fr, en, ara…)."]
    if fields:
        raise CaseworkError(
            ["Certaines informations d'identité ne sont pas valides."], fields=fields
        )


def _is_language(code: Any) -> bool:
    if not isinstance(code, str) or not code.isascii() or not 2 <= len(code) <= 3:
        return False
    key = "alpha_2" if len(code) == 2 else "alpha_3"
    return pycountry.languages.get(**{key: code.lower()}) is not None


def person_create(
    *, access: Access, identity: dict[str, Any], children_count: int, languages: list[str]
) -> Person:
    """An association records a person it accompanies; identity is encrypted at once."""
    association_id = require_worker(access)
    if (
        not (identity.get("last_name") or "").strip()
        or not (identity.get("first_name") or "").strip()
    ):
        raise CaseworkError(
            ["Le nom et le prénom sont obligatoires."],
            fields={"last_name": ["Indiquez le nom."], "first_name": ["Indiquez le prénom."]},
        )
    birth = identity.get("birth_date")
    try:
        birth_date = dt.date.fromisoformat(str(birth)) if birth else None
    except ValueError as exc:
        message = "La date de naissance n'est pas une date valide (format AAAA-MM-JJ)."
        raise CaseworkError([message], fields={"birth_date": [message]}) from exc
    if birth_date and birth_date > timezone.localdate():
        raise CaseworkError(
            ["La date de naissance est dans le futur."],
            fields={"birth_date": ["Date dans le futur."]},
        )
    clean = {key: str(identity.get(key) or "").strip() for key in IDENTITY_KEYS}
    _check_identity(identity=clean, birth_date=birth_date, languages=languages)
    tenant = access.tenant
    assert tenant is not None
    with transaction.atomic():
        pseudonym = _next_pseudonym(code=tenant.code, year=timezone.localdate().year)
        person = Person.objects.create(
            pseudonym=pseudonym,
            association_id=association_id,
            identity_encrypted=encrypt_json(clean, purpose=f"person:{pseudonym}:identity"),
            children_count=children_count,
            languages=languages,
            created_by_id=access.user_id,
            last_contact_on=timezone.localdate(),
        )
        person_name_index(person_id=person.pk, identity=clean)
        audit_record(
            action="person.created",
            actor_id=access.user_id,
            actor_role=Role.ASSOCIATION_WORKER.value,
            object_type="person",
            object_id=person.pk,
            data={"pseudonym": pseudonym},
        )
        return person


def person_contact_touch(*, person_id: int, on: dt.date) -> None:
    """The person was in contact with the follow-up on `on`: the retention clock starts again.

    Called by the domain functions that record a meaningful event of the follow-up, inside
    their transaction, so the date and the event commit together. A later date only: an
    evaluation recorded today for last week never moves the clock back. Two years after the
    last contact the person's data leaves the active base (tenants/retention)."""
    Person.objects.filter(pk=person_id).filter(
        Q(last_contact_on__isnull=True) | Q(last_contact_on__lt=on)
    ).update(last_contact_on=on)
