"""The DPO's reading of the département's audit trail: search, filters, export, readers of a file.

The trail (parcours.audit) holds ids and codes, never names of the persons followed, so the DPO
reads it without seeing any identity. A person's file is a set of objects (the person, the
pathways, the files, the pieces, the access exports): "which person's file" is the union of
the events about any of them, found by subqueries in one SQL query, not by listing ids.

Reading the trail is itself a read of who looked at whom: each search is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import CharField, Count, Max, Min, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from parcours.accounts.models import Role, User
from parcours.accounts.permissions import Access
from parcours.audit.models import AuditEvent
from parcours.audit.services import audit_read
from parcours.errors import NotAllowed, NotInScope
from parcours.reporting.selectors import csv_writer
from tenants.casework.models import Document, Dossier, Pathway, Person
from tenants.privacy.models import AccessExport

DPO_ROLES = frozenset({Role.DPO})
# What counts as reading personal data in the trail: the selectors' `*.read` events and the
# downloads of documents built from it (the same rule as the form fuzz's READS).
READ_ACTIONS = r"[._]read$|_downloaded$"
MAX_TEXT = 100


@dataclass(frozen=True)
class TrailFilters:
    """What the DPO asks of the trail; every field optional, all of them combined."""

    actor: str = ""  # an account's e-mail or id
    action: str = ""  # an event kind ("dossier.read") or a family ("person", "privacy.")
    since: dt.date | None = None
    until: dt.date | None = None
    person: str = ""  # a pseudonym (PSP-31-2026-0042) or a person's id
    text: str = ""  # found in the kind, the object or the request id
    reads_only: bool = False

    def as_data(self) -> dict[str, str]:
        """The filters as the audit row of the search records them (no identity in them)."""
        values = {
            "actor": self.actor,
            "action": self.action,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "person": self.person,
            "text": self.text,
            "reads_only": "1" if self.reads_only else "",
        }
        return {key: value[:MAX_TEXT] for key, value in values.items() if value}


@dataclass(frozen=True)
class Reader:
    """Someone who read a person's file: how often, first and last time."""

    actor_id: int | None
    actor_label: str
    actor_role: str
    reads: int
    first_at: dt.datetime
    last_at: dt.datetime


@dataclass
class TrailRow:
    event: AuditEvent
    actor_label: str = ""
    data: dict[str, str] = field(default_factory=dict)


def require_dpo(access: Access) -> None:
    if not access.has_any(DPO_ROLES):
        raise NotAllowed("Le journal d'audit est consulté par le ou la DPO.")


def person_objects(*, person_id: int) -> Q:
    """The events about a person's file: one condition with subqueries, run as one query."""

    def ids(queryset: QuerySet) -> QuerySet:
        return queryset.annotate(as_text=Cast("pk", CharField())).values("as_text")

    return (
        Q(object_type="person", object_id=str(person_id))
        | Q(object_type="dossier", object_id__in=ids(Dossier.objects.filter(person_id=person_id)))
        | Q(object_type="pathway", object_id__in=ids(Pathway.objects.filter(person_id=person_id)))
        | Q(
            object_type="document",
            object_id__in=ids(Document.objects.filter(person_id=person_id)),
        )
        | Q(
            object_type="access_export",
            object_id__in=ids(AccessExport.objects.filter(person_id=person_id)),
        )
    )


def trail_person_id(text: str) -> int | None:
    """A person named by pseudonym or id; None when nobody here has it."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text) if Person.objects.filter(pk=int(text)).exists() else None
    return Person.objects.filter(pseudonym__iexact=text[:32]).values_list("pk", flat=True).first()


def _actor_ids(text: str) -> list[int]:
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return [int(text)]
    return list(User.objects.filter(email__iexact=text[:254]).values_list("pk", flat=True))


def _kind(text: str) -> Q:
    """An exact kind ("dossier.read") or a family ("person", "person.", "dossier.transition"):
    equality and a prefix ending at a dot, both served by audit_action_idx."""
    if text.endswith("."):
        return Q(action__startswith=text)
    return Q(action=text) | Q(action__startswith=text + ".")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def trail_events(*, filters: TrailFilters) -> QuerySet[AuditEvent]:
    """The events matching `filters`, newest first (no permission check: see `trail_search`)."""
    events = AuditEvent.objects.all()
    if filters.actor:
        events = events.filter(actor_id__in=_actor_ids(filters.actor))
    if filters.action:
        events = events.filter(_kind(filters.action.strip()[:64]))
    if filters.since:
        events = events.filter(occurred_at__gte=_day_start(filters.since))
    if filters.until:
        events = events.filter(occurred_at__lt=_day_start(filters.until + dt.timedelta(days=1)))
    if filters.person:
        person_id = trail_person_id(filters.person)
        if person_id is None:
            return AuditEvent.objects.none()
        events = events.filter(person_objects(person_id=person_id))
    if filters.text:
        text = filters.text.strip()[:MAX_TEXT]
        events = events.filter(
            Q(action__icontains=text)
            | Q(object_type__icontains=text)
            | Q(object_id=text)
            | Q(request_id=text)
        )
    if filters.reads_only:
        events = events.filter(action__regex=READ_ACTIONS)
    return events.order_by("-id")


def trail_search(*, access: Access, filters: TrailFilters) -> QuerySet[AuditEvent]:
    """The DPO's search of the trail; the search itself is audited (what was looked for)."""
    require_dpo(access)
    audit_read(
        action="audit.trail_read",
        actor_id=access.user_id,
        actor_role=Role.DPO.value,
        object_type="audit",
        data=filters.as_data(),
    )
    return trail_events(filters=filters)


def actor_labels(ids: Iterable[int | None]) -> dict[int, str]:
    """The agents' accounts (never a person followed) in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(User.objects.filter(pk__in=wanted).values_list("pk", "email"))


def trail_rows(events: Iterable[AuditEvent]) -> list[TrailRow]:
    """A page of events with their actors' accounts: two queries, whatever the page's size."""
    listed = list(events)
    labels = actor_labels(e.actor_id for e in listed)
    return [
        TrailRow(
            event=e,
            actor_label=labels.get(e.actor_id, "") if e.actor_id is not None else "",
            data={str(k): str(v) for k, v in (e.data or {}).items()},
        )
        for e in listed
    ]


CSV_COLUMNS = [
    "id",
    "date",
    "compte",
    "compte_id",
    "role",
    "evenement",
    "objet",
    "objet_id",
    "motif",
    "requete",
    "donnees",
]
CSV_LIMIT = 50_000


def trail_csv(*, events: QuerySet[AuditEvent]) -> str:
    """The events as CSV in the platform's dialect (BOM, ";", CRLF); at most CSV_LIMIT rows."""
    out, writer = csv_writer()
    writer.writerow(CSV_COLUMNS)
    chunk: list[AuditEvent] = []
    for event in events[:CSV_LIMIT].iterator(chunk_size=2000):
        chunk.append(event)
        if len(chunk) == 2000:
            _write(writer, chunk)
            chunk = []
    _write(writer, chunk)
    return out.getvalue()


def _write(writer: object, events: list[AuditEvent]) -> None:
    for row in trail_rows(events):
        e = row.event
        writer.writerow(  # type: ignore[attr-defined]
            [
                e.pk,
                timezone.localtime(e.occurred_at).isoformat(timespec="seconds"),
                row.actor_label,
                e.actor_id if e.actor_id is not None else "",
                e.actor_role,
                e.action,
                e.object_type,
                e.object_id,
                e.reason,
                e.request_id,
                " ".join(f"{k}={v}" for k, v in sorted(row.data.items())),
            ]
        )


def person_read_events(*, person_id: int) -> QuerySet[AuditEvent]:
    """Reads of a person's file (no permission check: the DPO's and the export's selectors)."""
    return AuditEvent.objects.filter(
        person_objects(person_id=person_id), action__regex=READ_ACTIONS
    )


def readers_of(*, person_id: int) -> list[Reader]:
    """Who read the file, grouped by account and role, most recent first: two queries."""
    grouped = list(
        person_read_events(person_id=person_id)
        .values("actor_id", "actor_role")
        .annotate(reads=Count("id"), first_at=Min("occurred_at"), last_at=Max("occurred_at"))
        .order_by("-last_at")
    )
    labels = actor_labels(g["actor_id"] for g in grouped)
    return [
        Reader(
            actor_id=g["actor_id"],
            actor_label=labels.get(g["actor_id"], "") if g["actor_id"] is not None else "",
            actor_role=g["actor_role"],
            reads=g["reads"],
            first_at=g["first_at"],
            last_at=g["last_at"],
        )
        for g in grouped
    ]


def person_readers(*, access: Access, person_id: int) -> list[Reader]:
    """For the DPO: who read this person's file (the person by id; audited)."""
    require_dpo(access)
    if not Person.objects.filter(pk=person_id).exists():
        raise NotInScope
    audit_read(
        action="audit.readers_listed",
        actor_id=access.user_id,
        actor_role=Role.DPO.value,
        object_type="person",
        object_id=person_id,
    )
    return readers_of(person_id=person_id)
