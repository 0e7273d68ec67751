"""Verification of one audit chain, in the schema the task is sent in.

Beat verifies every chain each night through `parcours.departements.tasks.verify_all_audit_chains`,
which sends this task to the public schema and to each département: the fan-out belongs to the
départements, which the audit trail sits below (provisioning records its events in it)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from parcours.audit.selectors import audit_chain_verify
from parcours.db import connection

logger = logging.getLogger(__name__)


@shared_task(name="parcours.audit.tasks.verify_chain")
def verify_chain() -> dict[str, Any]:
    result = audit_chain_verify()
    if not result.ok:
        logger.error(
            "audit chain broken in %s at event %s: %s",
            connection.schema_name,
            result.first_broken_id,
            result.problem,
        )
    return {"schema": connection.schema_name, "ok": result.ok, "events": result.events}
