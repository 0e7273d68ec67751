"""The DPO's reads of retention: reports, runs, holds, and the archived persons' files.

An archived person is out of every list and page of the follow-up (casework.selectors keeps its
roles to the active base); the DPO alone reads her file here, stating a reason, and the read
goes to the audit trail with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.audit.services import audit_read
from parcours.errors import NotInScope
from parcours.referentiel.selectors import nomenclature_labels
from tenants.casework.crypto import decrypt_json
from tenants.casework.models import Document, Dossier, Lifecycle, Person, Right
from tenants.casework.selectors import document_labels
from tenants.retention.holds import clean_reason, require_dpo
from tenants.retention.models import LegalHold, Sweep, SweepRow


def sweeps_list(*, access: Access, limit: int = 50) -> list[Sweep]:
    require_dpo(access)
    return list(Sweep.objects.order_by("-created_at", "-id")[:limit])


def sweep_get(*, access: Access, sweep_id: int) -> Sweep:
    require_dpo(access)
    sweep = Sweep.objects.filter(pk=sweep_id).first()
    if sweep is None:
        raise NotInScope
    return sweep


def sweep_rows(*, sweep: Sweep) -> QuerySet[SweepRow]:
    """The report's rows: pseudonyms, dates, outcomes and reasons; no identity."""
    return sweep.rows.order_by("outcome", "pk")


def holds_list(*, access: Access, standing_only: bool = False) -> list[LegalHold]:
    require_dpo(access)
    holds = LegalHold.objects.select_related("person").order_by("-set_at", "-id")
    if standing_only:
        holds = holds.filter(lifted_at__isnull=True)
    return list(holds[:500])


def hold_person_find(*, access: Access, pseudonym: str) -> Person:
    """The person a hold is set on, by her pseudonym (the DPO sees no list of persons)."""
    require_dpo(access)
    person = (
        Person.objects.exclude(lifecycle=Lifecycle.ANONYMISED)
        .filter(pseudonym=(pseudonym or "").strip().upper())
        .first()
    )
    if person is None:
        raise NotInScope
    return person


def archived_persons(*, access: Access) -> list[Person]:
    """Pseudonyms and dates of the archived persons (no identity: the file is read one by one)."""
    require_dpo(access)
    return list(Person.objects.filter(lifecycle=Lifecycle.ARCHIVED).order_by("-archived_on", "pk"))


def archived_person_exists(*, access: Access, person_id: int) -> bool:
    require_dpo(access)
    return Person.objects.filter(pk=person_id, lifecycle=Lifecycle.ARCHIVED).exists()


@dataclass(frozen=True)
class ArchivedFile:
    person: Person
    identity: dict[str, Any]
    dossiers: list[Dossier]
    rights: list[Right]
    documents: list[Document]
    holds: list[LegalHold]
    # What a right's or a piece's code is called, for the page (never the code itself).
    labels: dict[str, str]


def archived_person_read(*, access: Access, person_id: int, reason: str) -> ArchivedFile:
    """An archived person's file for the DPO, with the reason she states; the read is audited
    with that reason. A person not archived is answered as for nothing."""
    require_dpo(access)
    text = clean_reason(reason)
    person = Person.objects.filter(pk=person_id, lifecycle=Lifecycle.ARCHIVED).first()
    if person is None:
        raise NotInScope
    audit_read(
        action="person.archive_read",
        actor_id=access.user_id,
        actor_role=Role.DPO.value,
        object_type="person",
        object_id=person.pk,
        reason=text,
    )
    # Each file with its workflow variant in the same query (`with_rules`): no read per file.
    dossiers = list(Dossier.objects.filter(person=person).with_rules().order_by("number"))
    labels = nomenclature_labels(kind="right_type")
    for dossier in dossiers:
        labels |= document_labels(dossier.workflow)
    return ArchivedFile(
        person=person,
        identity=decrypt_json(
            person.identity_encrypted, purpose=f"person:{person.pseudonym}:identity"
        )
        or {},
        dossiers=dossiers,
        rights=list(Right.objects.filter(person=person).order_by("right_type")),
        documents=list(Document.objects.filter(person=person).order_by("doc_type", "pk")),
        holds=list(LegalHold.objects.filter(person=person).order_by("-set_at")),
        labels=labels,
    )
