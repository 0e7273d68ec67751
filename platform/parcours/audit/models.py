"""The append-only, hash-chained audit trail.

One table per schema: each département's schema has its own trail, and national actions are
written to the same table in the public schema. PostgreSQL refuses UPDATE and DELETE on it
(trigger in migration 0002); the hash chain makes any other tampering detectable by
`manage.py audit_verify`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import models
from django.utils import timezone

GENESIS_HASH = "0" * 64


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(default=timezone.now)
    # No foreign key: the trail must outlive accounts, and crosses the public/tenant boundary.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_role = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # Identifiers and codes only, never names or free text about a person.
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    # Unique through Meta.constraints: `unique=True` would add an unused LIKE index.
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # The DPO's filters (tenants/privacy/trail.py): by account, newest first; by event
            # kind (exact, or a family "person." as a prefix, which this index serves where the
            # collation is C: no pattern_ops index, each costs every schema); by period.
            models.Index(fields=["actor_id", "id"], name="audit_actor_idx"),
            models.Index(fields=["action"], name="audit_action_idx"),
            models.Index(fields=["occurred_at"], name="audit_occurred_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["hash"], name="audit_hash_uniq")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action}"

    def compute_hash(self) -> str:
        payload: dict[str, Any] = {
            "occurred_at": self.occurred_at.astimezone(dt.UTC).isoformat(),
            "actor_id": self.actor_id,
            "actor_role": self.actor_role,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "reason": self.reason,
            "request_id": self.request_id,
            "data": self.data,
            "prev_hash": self.prev_hash,
        }
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()
