"""Retention's background work: thin, idempotent, in the département's schema.

Beat runs `prepare_all_sweeps` monthly: it fans out one dry-run report per département (sent
by task name, as the other nightly work); nothing is archived or anonymised until the DPO
confirms a report (`sweep_confirm` queues `sweep_run`)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from parcours.db import connection
from tenants.retention.errors import SweepConflict
from tenants.retention.models import Sweep, SweepStatus
from tenants.retention.sweeps import BUSY, sweep_report_build, sweep_run_all, sweep_start


@shared_task(name="tenants.retention.tasks.sweep_report")
def sweep_report(*, sweep_id: int) -> dict[str, Any]:
    sweep = sweep_report_build(sweep_id=sweep_id)
    return {"schema": connection.schema_name, "sweep": sweep.pk, "rows": sweep.total}


@shared_task(name="tenants.retention.tasks.sweep_run", acks_late=True)
def sweep_run(*, sweep_id: int) -> dict[str, Any]:
    sweep = sweep_run_all(sweep_id=sweep_id)
    return {"schema": connection.schema_name, "sweep": sweep.pk, "status": sweep.status}


@shared_task(name="tenants.retention.tasks.sweep_scheduled")
def sweep_scheduled() -> dict[str, Any]:
    """This département's scheduled dry run. While another sweep is being prepared or run, its
    task is sent again instead (both are idempotent): a message lost with a worker never leaves
    the département's retention stuck."""
    try:
        sweep = sweep_start(access=None)
    except SweepConflict:
        busy = Sweep.objects.filter(status__in=BUSY).order_by("pk").first()
        if busy is not None:
            task = sweep_report if busy.status == SweepStatus.PREPARING else sweep_run
            task.apply_async(kwargs={"sweep_id": busy.pk})
        return {"schema": connection.schema_name, "sweep": None, "resumed": busy and busy.pk}
    return {"schema": connection.schema_name, "sweep": sweep.pk}


@shared_task(name="tenants.retention.tasks.prepare_all_sweeps")
def prepare_all_sweeps() -> int:
    from parcours.departements.tasks import fan_out

    return fan_out("tenants.retention.tasks.sweep_scheduled")
