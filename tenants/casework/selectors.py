"""Permission-checked reads of case data; every read of a person's data is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.text import slugify

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.audit.services import audit_read
from parcours.errors import NotInScope
from parcours.workflows.definition import EffectName, Workflow
from parcours.workflows.models import variant_workflow
from tenants.agrements.selectors import acting_associations
from tenants.casework.models import (
    Document,
    Dossier,
    DossierEvent,
    DossierQuerySet,
    PathwayStatus,
    Person,
    Reminder,
    waiting_days,
)
from tenants.casework.name_index import persons_named_q, typed_parts

# Who may open persons' files at all; an association worker only those of her association(s).
CASE_ROLES = frozenset({Role.COORDINATOR, Role.PREFET, Role.ASSOCIATION_WORKER})
FULL_SCOPE_ROLES = frozenset({Role.COORDINATOR, Role.PREFET})
IDENTITY_ROLES = frozenset({Role.COORDINATOR, Role.PREFET, Role.ASSOCIATION_WORKER})


# The one place the follow-up's roles are kept to the active base: an archived or anonymised
# person (tenants/retention) is in no list, page, search or API answer of theirs. The DPO reads
# an archived person through tenants.retention.selectors, with a reason.
def _scope_persons(access: Access) -> QuerySet[Person]:
    persons = Person.objects.in_active_base()
    if access.has_any(FULL_SCOPE_ROLES):
        return persons
    if Role.ASSOCIATION_WORKER in access.roles:
        return persons.filter(association_id__in=acting_associations(access=access))
    return Person.objects.none()


def _scope_dossiers(access: Access) -> DossierQuerySet:
    dossiers = Dossier.objects.in_active_base()
    if access.has_any(FULL_SCOPE_ROLES):
        return dossiers
    if Role.ASSOCIATION_WORKER in access.roles:
        return dossiers.filter(association_id__in=acting_associations(access=access))
    return Dossier.objects.none()


def dossiers_open(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """The files still under way: not closed (`closed_at` is set when a file enters a final
    state of the version it runs, so no state is named here and no version is read)."""
    return dossiers.filter(closed_at__isnull=True)


def dossiers_by_due(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """What is due first: the files waiting on someone the longest (submitted earliest), then
    the files not submitted yet, oldest first."""
    return dossiers.order_by(F("submitted_at").asc(nulls_last=True), "created_at", "id")


def decisions_oldest_first(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """The préfet's queue: the commission's avis given longest ago first (the decision follows
    the avis; its delay runs from it), then files without an avis, by submission."""
    return dossiers.order_by(
        F("commission_avis_on").asc(nulls_last=True),
        F("submitted_at").asc(nulls_last=True),
        "id",
    )


@dataclass(frozen=True, slots=True)
class DossierRow:
    """A file as a list prints it: its columns, not a model. A queue builds 50 on every visit,
    and as models each cost three objects (the file, its person, its variant): twice the time
    of reading the columns. It answers what a row asks of a file, as the model does."""

    pk: int
    kind: str
    number: int
    workflow_variant_id: int
    variant_created_at: dt.datetime
    state: str
    submitted_at: dt.datetime | None
    clock_paused_since: dt.datetime | None
    paused_seconds: int
    closed_at: dt.datetime | None
    session_on: dt.date | None
    commission_avis: str
    commission_avis_on: dt.date | None
    decision: str
    decided_at: dt.datetime | None
    pseudonym: str

    @property
    def workflow(self) -> Workflow:
        """The rules the file runs by (`Dossier.workflow`), built once per process and variant."""
        return variant_workflow(pk=self.workflow_variant_id, created_at=self.variant_created_at)

    @property
    def state_label(self) -> str:
        return self.workflow.label(self.state)

    def processing_days(self, *, now: dt.datetime | None = None) -> int | None:
        return waiting_days(self, now=now)


# The columns of a `DossierRow`, in its fields' order (derived from them, so the two cannot
# disagree): a file's number and kind, its state and rules, the dates and clock its delay comes
# from, the session, the avis, the decision and the person's pseudonym. No identity, no JSON
# document, no motivation. Fields named otherwise than their column say where it is.
_ROW_PATHS = {
    "variant_created_at": "workflow_variant__created_at",
    "pseudonym": "person__pseudonym",
}
ROW_COLUMNS = tuple(_ROW_PATHS.get(f.name, f.name) for f in fields(DossierRow))


def dossier_rows(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier, tuple[Any, ...]]:
    """What a list of files prints and sorts on, and no more, as rows of `ROW_COLUMNS` (to
    page through, then `rows_of`): anything else a row asked for would be one more query per
    row (the list pages' query counts would say so)."""
    return dossiers.values_list(*ROW_COLUMNS)


def rows_of(values: Iterable[tuple[Any, ...]]) -> list[DossierRow]:
    return [DossierRow(*row) for row in values]


def persons_visible(*, access: Access) -> QuerySet[Person]:
    return _scope_persons(access).order_by("-created_at")


def dossiers_visible(*, access: Access) -> QuerySet[Dossier]:
    return _scope_dossiers(access).with_rules().select_related("person").order_by("-created_at")


def person_get(*, access: Access, pk: int, reason: str = "") -> Person:
    person = _scope_persons(access).filter(pk=pk).first()
    if person is None:
        raise NotInScope
    audit_read(
        action="person.read",
        actor_id=access.user_id,
        actor_role=access.roles_text,
        object_type="person",
        object_id=person.pk,
        reason=reason,
    )
    return person


def dossier_get(*, access: Access, pk: int, reason: str = "") -> Dossier:
    dossiers = _scope_dossiers(access).select_related(
        "person", "pathway", "workflow_variant", "association"
    )
    dossier = dossiers.filter(pk=pk).first()
    if dossier is None:
        raise NotInScope
    audit_read(
        action="dossier.read",
        actor_id=access.user_id,
        actor_role=access.roles_text,
        object_type="dossier",
        object_id=dossier.pk,
        reason=reason,
    )
    return dossier


# Who may find a person by her name (tenants/casework/name_index.py): those who work with her
# identity day to day, the association and the coordination.
NAME_SEARCH_ROLES = frozenset({Role.COORDINATOR, Role.ASSOCIATION_WORKER})


def person_search(*, access: Access, text: str, path: str = "") -> Q:
    """The filter of a search box over persons (or over rows whose `path`, "person__", leads to
    a person): the pseudonym contains `text`, or, for the roles that may search by name, every
    part of `text` is a part of the person's name. The scope stays the caller's queryset's. A
    search by name is recorded in the trail (without the name typed: the trail would keep it)."""
    condition = Q(**{f"{path}pseudonym__icontains": text})
    if not access.has_any(NAME_SEARCH_ROLES):
        return condition
    named = persons_named_q(text, path=path)
    if named is None:
        return condition
    audit_read(
        action="person.name_search",
        actor_id=access.user_id,
        actor_role=access.roles_text,
        object_type="person",
        data={"parts": len(typed_parts(text))},
    )
    return condition | named


def person_identity(*, access: Access, person: Person) -> dict[str, str] | None:
    """The decrypted identity, for the roles that need it; None for the others."""
    from tenants.casework.crypto import decrypt_json

    if not access.has_any(IDENTITY_ROLES):
        return None
    return decrypt_json(person.identity_encrypted, purpose=f"person:{person.pseudonym}:identity")


def transitions_available(*, access: Access, dossier: Dossier) -> list[dict[str, str]]:
    """What this person may try on the file now (guards are checked when it is fired); the
    commission's steps are fired from its sessions, not offered on the file."""
    workflow = dossier.workflow
    mine = {role.value for role in access.roles}
    return [
        {"name": t.name, "label": t.label, "form": t.form.value}
        for t in workflow.available_to(state=dossier.state, roles=mine)
        if t.name not in workflow.session_transitions
    ]


def dossier_editable(*, access: Access, dossier: Dossier) -> bool:
    """The person may edit the file's evaluation, project, avis and pieces now."""
    return Role.ASSOCIATION_WORKER in access.roles and dossier.is_editable


def renewal_possible(*, access: Access, dossier: Dossier) -> bool:
    """An association may open a renewal from this authorised file: the pathway runs and no
    other request of it is under way (the ceiling is checked when it is opened)."""
    pathway = dossier.pathway
    workflow = dossier.workflow
    return (
        Role.ASSOCIATION_WORKER in access.roles
        and pathway.status == PathwayStatus.ACTIVE
        and dossier.state in workflow.authorised_states
        and not pathway.dossiers.exclude(state__in=workflow.final_states).exists()
    )


def document_get(*, access: Access, pk: int) -> Document:
    """A piece of a file the person may read; the read of the file and of the piece is audited."""
    document = Document.objects.filter(pk=pk).first()
    if document is None or document.dossier_id is None:
        raise NotInScope
    dossier_get(access=access, pk=document.dossier_id)
    audit_read(
        action="document.read",
        actor_id=access.user_id,
        object_type="document",
        object_id=document.pk,
    )
    return document


def document_filename(document: Document) -> str:
    """A French name that says what the piece is and whose file it belongs to:
    `decision-PSP-31-2026-0003.pdf`, `piece-d-identite-PSP-31-2026-0003.pdf`."""
    suffix = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(
        document.content_type, ""
    )
    dossier = document.dossier
    if dossier is None:
        return f"piece-{document.pk}{suffix}"
    reference = dossier.person.pseudonym + (f"-{dossier.number}" if dossier.number > 1 else "")
    if document.doc_type == "decision_letter":
        return f"decision-{reference}{suffix}"
    labels = {d.code: d.label for d in dossier.workflow.documents}
    label = labels.get(document.doc_type, "piece").replace("'", " ").replace("’", " ")
    name = slugify(label) or "piece"  # "Pièce d'identité" → "piece-d-identite"
    return f"{name}-{reference}{suffix}"


def dossier_timeline(*, dossier: Dossier) -> list[DossierEvent]:
    return list(dossier.events.order_by("at", "id"))


def reminders_for(*, access: Access, limit: int = 20) -> list[Reminder]:
    """Open reminders addressed to one of the person's roles (an association: only its own)."""
    roles = {role.value for role in access.roles}
    mine = Q(role__in=roles - {"association_worker"})
    if "association_worker" in roles:
        mine |= Q(role="association_worker", association_id__in=acting_associations(access=access))
    reminders = Reminder.objects.filter(mine, done_at__isnull=True)
    return list(reminders.order_by("due_on", "id")[:limit])


@dataclass(frozen=True)
class FileOverview:
    """What the file page (and anyone showing a file) needs beyond the row itself."""

    state_label: str
    transitions: list[dict[str, str]]
    timeline: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    required: list[dict[str, Any]]
    processing_days: int | None
    appeal_deadline: dt.date | None
    editable: bool
    can_renew: bool
    can_end_early: bool
    can_exit: bool
    can_notify: bool
    schedulable: bool
    extra_fields: list[dict[str, Any]]
    reminders: list[Reminder]


def document_labels(workflow: Workflow) -> dict[str, str]:
    """What each kind of piece of this workflow is called, the préfet's letter included."""
    return {d.code: d.label for d in workflow.documents} | {
        EffectName.DECISION_LETTER.value: "Décision du préfet"
    }


def file_overview(*, access: Access, dossier: Dossier) -> FileOverview:
    """The file as the person may see and act on it now (the file itself is read by
    `dossier_get`, which checks the scope and audits the read)."""
    workflow = dossier.workflow
    labels = document_labels(workflow)
    pieces = list(dossier.documents.order_by("doc_type", "-uploaded_at"))
    documents = [{"document": d, "label": labels.get(d.doc_type, d.doc_type)} for d in pieces]
    present = {d.doc_type for d in pieces}
    pathway = dossier.pathway
    mine = {role.value for role in access.roles}
    return FileOverview(
        state_label=dossier.state_label,
        transitions=transitions_available(access=access, dossier=dossier),
        timeline=[
            {
                "event": e,
                "label": workflow.transitions[e.transition].label
                if e.transition in workflow.transitions
                else e.transition,
                "to": workflow.label(e.to_state),
                "by": ", ".join(
                    Role(code).label for code in e.actor_role.split(",") if code in Role.values
                ),
            }
            for e in dossier_timeline(dossier=dossier)
        ],
        documents=documents,
        required=[
            {"doc": d, "present": d.code in present}
            for d in workflow.required_documents(dossier.kind)
        ],
        processing_days=dossier.processing_days(),
        appeal_deadline=dossier.appeal_deadline(),
        editable=dossier_editable(access=access, dossier=dossier),
        can_renew=renewal_possible(access=access, dossier=dossier),
        can_end_early=Role.PREFET in access.roles
        and pathway.status == PathwayStatus.ACTIVE
        and bool(workflow.options.get("early_end_of_pathway")),
        can_exit=access.has_any({Role.COORDINATOR, Role.ASSOCIATION_WORKER})
        and pathway.status
        in {PathwayStatus.ACTIVE, PathwayStatus.ENDED_EARLY, PathwayStatus.COMPLETED},
        can_notify=Role.COORDINATOR in access.roles and bool(dossier.decision),
        # A file waiting for a session is put on one of its agendas (the commission's step).
        schedulable=Role.COORDINATOR in access.roles
        and dossier.state in workflow.schedulable_states,
        extra_fields=[
            {"name": name, "label": spec.get("title") or name, "value": dossier.extra.get(name)}
            for name, spec in (workflow.extra_fields.get("properties") or {}).items()
        ],
        reminders=[r for r in dossier.reminders.filter(done_at__isnull=True) if r.role in mine],
    )
