"""The one way to write the audit trail; domain functions call it inside their transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import transaction
from django.db.models import Field
from django.utils import timezone
from django_tenants.utils import schema_context

from parcours.audit.models import GENESIS_HASH, AuditEvent
from parcours.db import confined, connection
from parcours.observability import current_request_id


def audit_record(
    *,
    action: str,
    actor_id: int | None = None,
    actor_role: str = "",
    object_type: str = "",
    object_id: str | int = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the trail of the current schema (a département's, or public).

    Writers are serialised per schema by a transaction-level advisory lock, so the chain order is
    the commit order; the lock is released when the caller's transaction ends.

    No savepoint inside the caller's transaction (two round trips on every audited read): an
    event that cannot be written fails the whole transaction, which is what must happen to the
    read or the change it records.
    """
    event = _event(
        action=action,
        actor_id=actor_id,
        actor_role=actor_role,
        object_type=object_type,
        object_id=object_id,
        reason=reason,
        data=data,
    )
    _append(events=[event])
    return event


def _event(
    *,
    action: str,
    actor_id: int | None,
    actor_role: str,
    object_type: str,
    object_id: str | int,
    reason: str,
    data: dict[str, Any] | None,
) -> AuditEvent:
    """An event as it happens now, in this request; chained when appended."""
    return AuditEvent(
        occurred_at=timezone.now(),
        action=action,
        actor_id=actor_id,
        actor_role=actor_role,
        object_type=object_type,
        object_id=str(object_id),
        reason=reason,
        request_id=current_request_id(),
        data=data or {},
    )


def _append(*, events: list[AuditEvent]) -> None:
    """Chain `events`, in order, at the end of the current schema's trail.

    The lock, then the last hash, in two statements: read in the lock's statement, the hash
    would come from a snapshot taken before the lock was granted, and miss the event of the
    writer it waited for. The statements are written once per process (`_insert_statement`):
    every page that reads a file appends one event, and the ORM took three times as long
    composing its select and insert as PostgreSQL took to run them.
    """
    statement, fields = _insert_statement()
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(_LOCK)
        cursor.execute(_LAST_HASH)
        row = cursor.fetchone()
        last: str | None = row[0] if row else None
        for event in events:
            event.prev_hash = last or GENESIS_HASH
            event.hash = last = event.compute_hash()
            cursor.execute(
                statement,
                [f.get_db_prep_save(f.pre_save(event, True), connection) for f in fields],
            )
            (event.pk,) = cursor.fetchone()
            event._state.adding = False
            event._state.db = connection.alias


_TABLE = AuditEvent._meta.db_table
_LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':audit_chain'))"
_LAST_HASH = f'SELECT "hash" FROM "{_TABLE}" ORDER BY "id" DESC LIMIT 1'


@cache
def _insert_statement() -> tuple[str, tuple[Field[Any, Any], ...]]:
    """The insert of one event, from the model's own columns (a field added is written)."""
    fields = tuple(f for f in AuditEvent._meta.concrete_fields if not f.primary_key)
    columns = ", ".join(f'"{f.column}"' for f in fields)
    values = ", ".join(["%s"] * len(fields))
    return f'INSERT INTO "{_TABLE}" ({columns}) VALUES ({values}) RETURNING "id"', fields


# --- Reads -------------------------------------------------------------------------------------
# A read of personal data is recorded as surely as a change, but need not sit in the request's
# transaction: written there, its advisory lock would serialise every audited request of the
# département for as long as the page renders (a minutes PDF: most of a second). Inside a
# request (`reads_recorded_after`, in the routing middleware), reads are kept and written in one
# short transaction when the view has answered, before the answer leaves; if they cannot be
# written, the answer is replaced by an error: nothing read goes out unrecorded.


@dataclass(frozen=True)
class _Read:
    schema: str
    event: AuditEvent


_reads: ContextVar[list[_Read] | None] = ContextVar("parcours_audit_reads", default=None)


def audit_read(
    *,
    action: str,
    actor_id: int | None,
    actor_role: str = "",
    object_type: str = "",
    object_id: str | int = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Record a read of personal data: at once outside a request, when it has answered inside."""
    event = _event(
        action=action,
        actor_id=actor_id,
        actor_role=actor_role,
        object_type=object_type,
        object_id=object_id,
        reason=reason,
        data=data,
    )
    pending = _reads.get()
    if pending is None:
        _append(events=[event])
    else:
        pending.append(_Read(schema=connection.schema_name, event=event))


@contextmanager
def reads_recorded_after() -> Iterator[None]:
    """Keep the reads made inside, and write them (per schema, in order) on the way out."""
    pending: list[_Read] = []
    token = _reads.set(pending)
    try:
        yield
    finally:
        _reads.reset(token)
        _reads_write(pending)


def _reads_write(pending: list[_Read]) -> None:
    by_schema: dict[str, list[AuditEvent]] = {}
    for read in pending:
        by_schema.setdefault(read.schema, []).append(read.event)
    for schema, events in by_schema.items():
        if schema == connection.schema_name:
            _append(events=events)
        else:  # a view that read another schema (under that schema's role, as it read it)
            with schema_context(schema), confined(schema):
                _append(events=events)
