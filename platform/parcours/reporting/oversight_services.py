"""Writes of the commissions' oversight: each département's status of today, replaced whole.

`commission_status_write` stores what a département computed in its own schema (called by the
task, `tasks.refresh_commission_status`); `commission_status_refresh` is the national
operator's request to recompute them all now (audited, queued on commit, one task per active
département); `commission_status_refresh_sync` does the same in one process, for `make run`'s
preparation and the tests. Every path replaces a département's row: running twice changes
nothing but the day computed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from parcours.audit.services import audit_record
from parcours.departements.models import Tenant, TenantStatus, zone_for
from parcours.queue import enqueue_on_commit
from parcours.reporting.models import CommissionStatus
from tenants.commission.status import CommissionFacts, commission_facts


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


def _active_schemas() -> list[str]:
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
    from parcours.reporting.tasks import refresh_commission_status

    with schema_context("public"), transaction.atomic():
        schemas = _active_schemas()
        audit_record(
            action="reporting.commission_status_refresh",
            actor_id=actor_id,
            object_type="commission_status",
            data={"departements": len(schemas)},
        )
        for schema in schemas:
            enqueue_on_commit(refresh_commission_status, schema_name=schema)
    return len(schemas)


def commission_status_refresh_sync() -> int:
    """Compute and store every active département's status in this process, each in its
    schema and on its own day (overseas départements have theirs)."""
    schemas = _active_schemas()
    for schema in schemas:
        code = Tenant.code_for(schema)
        with schema_context(schema), timezone.override(zone_for(code)):
            facts = commission_facts(today=timezone.localdate(), now=timezone.now())
        commission_status_write(code=code, facts=facts, computed_at=timezone.now())
    return len(schemas)
