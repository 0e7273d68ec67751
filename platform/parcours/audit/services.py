"""The one way to write the audit trail; domain functions call it inside their transaction."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from parcours.audit.models import GENESIS_HASH, AuditEvent
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
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':audit_chain'))"
            )
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            action=action,
            actor_id=actor_id,
            actor_role=actor_role,
            object_type=object_type,
            object_id=str(object_id),
            reason=reason,
            request_id=current_request_id(),
            data=data or {},
            prev_hash=last or GENESIS_HASH,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        return event
