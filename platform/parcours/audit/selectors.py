"""Reads of the audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from parcours.audit.models import GENESIS_HASH, AuditEvent


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    events: int
    first_broken_id: int | None = None
    problem: str = ""


def audit_chain_verify(*, batch_size: int = 5000) -> ChainVerification:
    """Recompute the chain of the current schema; report the first event that does not hold."""
    expected_prev = GENESIS_HASH
    count = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        count += 1
        if event.prev_hash != expected_prev:
            return ChainVerification(False, count, event.id, "previous hash does not match")
        if event.compute_hash() != event.hash:
            return ChainVerification(False, count, event.id, "content does not match its hash")
        expected_prev = event.hash
    return ChainVerification(True, count)


def audit_events_since(*, since: dt.datetime) -> int:
    return AuditEvent.objects.filter(occurred_at__gte=since).count()


def audit_events_for(*, action_prefix: str, limit: int = 50) -> list[AuditEvent]:
    """The latest events of one family of actions in the current schema, newest first."""
    return list(AuditEvent.objects.filter(action__startswith=action_prefix).order_by("-id")[:limit])
