"""Writes of the commissions' oversight: each département's status of today, replaced whole.

`commission_status_write` stores what a département computed in its own schema (called by the
département's task, `tenants.statistics.tasks.refresh_commission_status`);
`commission_status_refresh` is the national operator's request to recompute them all now
(audited, queued on commit by task name, one task per active département);
`tenants.statistics.services.commission_status_refresh_sync` does the same in one process, for
`make run`'s preparation and the tests. Every path replaces a département's row: running twice changes
nothing but the day computed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import transaction
from django_tenants.utils import schema_context

from parcours.audit.services import audit_record
from parcours.departements.models import Tenant, TenantStatus
from parcours.queue import enqueue_on_commit
from parcours.reporting.models import CommissionStatus
from parcours.reporting.task_names import REFRESH_COMMISSION_STATUS
from parcours.reporting.vocabulary import CommissionFacts


def commission_status_write(
    *, code: str, facts: CommissionFacts, computed_at: dt.datetime
) -> CommissionStatus:
    """Replace the département's status row with these facts (idempotent)."""
    with schema_context("public"), transaction.atomic():
        status, _ = CommissionStatus.objects.update_or_create(
            departement=code,
            defaults={"computed_at": computed_at, **dataclasses.asdict(facts)},
        )
        return status


def active_schemas() -> list[str]:
    """The schemas of the active départements, in the order of their codes."""
    with schema_context("public"):
        return list(
            Tenant.objects.filter(status=TenantStatus.ACTIVE)
            .order_by("code")
            .values_list("schema_name", flat=True)
        )


def commission_status_refresh(*, actor_id: int | None) -> int:
    """The national operator asks for every commission's status now: one task per active
    département, queued once the request is recorded. Asking twice queues the same work again,
    which replaces the same rows. Returns the number of départements asked."""
    with schema_context("public"), transaction.atomic():
        schemas = active_schemas()
        audit_record(
            action="reporting.commission_status_refresh",
            actor_id=actor_id,
            object_type="commission_status",
            data={"departements": len(schemas)},
        )
        for schema in schemas:
            enqueue_on_commit(REFRESH_COMMISSION_STATUS, schema_name=schema)
    return len(schemas)
