"""Nightly verification of every audit chain (the public one and each département's)."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from parcours.audit.selectors import audit_chain_verify
from parcours.db import connection
from parcours.departements.tasks import fan_out

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


@shared_task(name="parcours.audit.tasks.verify_all_chains")
def verify_all_chains() -> int:
    verify_chain.apply_async()
    return fan_out(verify_chain) + 1
