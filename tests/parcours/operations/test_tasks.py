"""Every Celery task is acknowledged late, requeued when its worker dies, and idempotent.

A worker killed mid-task (kill -9, out of memory, a node lost) must leave the task to another
worker: acknowledged late (after it ran) and rejected back to the queue when the worker is lost.
The task then runs a second time, so each must be idempotent; how each one is, is written here,
and a task added without an entry fails this test until someone has checked it.
"""

from __future__ import annotations

import pytest

from parcours.celery import app

IDEMPOTENT_BECAUSE = {
    "parcours.audit.tasks.verify_chain": "reads only",
    "parcours.departements.tasks.provision_departement": "an existing département is unchanged",
    "parcours.departements.tasks.verify_all_audit_chains": "fan-out of a read-only task",
    "parcours.reporting.tasks.consolidate_release": "a consolidated release is left as it is",
    "parcours.reporting.tasks.generate_national_report": "a finished version is left as it is",
    "parcours.reporting.tasks.refresh_all_commission_statuses": "fan-out of a replacing task",
    "tenants.agrements.tasks.apply_tacit_approvals": "only approvals still pending are applied",
    "tenants.agrements.tasks.apply_all_tacit_approvals": "fan-out of an idempotent task",
    "tenants.casework.tasks.generate_decision_letter": "a second run finds the letter, stores nothing",
    "tenants.casework.tasks.notify_role": "called inline by idempotent tasks and hooks, not queued",
    "tenants.casework.tasks.send_reminders": "each reminder is e-mailed once (emailed_at)",
    "tenants.casework.tasks.send_all_reminders": "fan-out of an idempotent task",
    "tenants.commission.tasks.send_convocations": "the audit event of the sending stops a rerun",
    "tenants.commission.tasks.send_minutes": "the audit event of the sending stops a rerun",
    "tenants.commission.tasks.remind_mandates": "one audit event per mandate and end date",
    "tenants.commission.tasks.remind_all_mandates": "fan-out of an idempotent task",
    "tenants.pilotage.tasks.generate_activity_report": (
        "a rerun of one request finds the report it built (the request's audit event)"
    ),
    "tenants.privacy.tasks.build_access_export": "a finished export is left as it is",
    "tenants.privacy.tasks.expire_access_exports": "an expired export has no file left",
    "tenants.privacy.tasks.expire_all_access_exports": "fan-out of an idempotent task",
    "tenants.retention.tasks.sweep_report": "builds the report of its own sweep row",
    "tenants.retention.tasks.sweep_run": "a sweep already run is left as it is",
    "tenants.retention.tasks.sweep_scheduled": "a sweep under way is resumed, not doubled",
    "tenants.retention.tasks.prepare_all_sweeps": "fan-out of an idempotent task",
    "tenants.statistics.tasks.extract_departement": "the staging rows are replaced",
    "tenants.statistics.tasks.refresh_commission_status": "the status row is replaced",
}


def _our_tasks() -> dict[str, object]:
    app.loader.import_default_modules()
    # Celery's own, and the tasks tests register for themselves (tests/parcours/test_metrics.py).
    return {
        name: task for name, task in app.tasks.items() if not name.startswith(("celery.", "tests."))
    }


def test_every_task_is_reviewed_for_idempotency() -> None:
    assert set(_our_tasks()) == set(IDEMPOTENT_BECAUSE)


@pytest.mark.parametrize("name", sorted(IDEMPOTENT_BECAUSE))
def test_the_task_is_acknowledged_late_and_requeued_when_its_worker_is_lost(name: str) -> None:
    task = _our_tasks()[name]
    assert task.acks_late is True  # type: ignore[attr-defined]
    assert task.reject_on_worker_lost is True  # type: ignore[attr-defined]


def test_a_worker_takes_one_task_at_a_time() -> None:
    # Prefetched messages of a killed worker are redelivered too, but later: keep them few.
    assert app.conf.worker_prefetch_multiplier == 1
