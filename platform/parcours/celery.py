"""The Celery application: tenant-aware, so a task runs in the schema it was sent from."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent.parent
for _source_root in (_ROOT, _ROOT / "platform"):
    if str(_source_root) not in sys.path:
        sys.path.append(str(_source_root))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")

from celery import signals  # noqa: E402
from celery.schedules import crontab  # noqa: E402
from tenant_schemas_celery.app import CeleryApp  # noqa: E402

app = CeleryApp("parcours")


@signals.task_prerun.connect
def _departement_zone(**kwargs: object) -> None:
    """A task shows and reads dates in its département's zone, as the pages do (reminders,
    decision letters, e-mails): connected after tenant-schemas-celery's switch of schema."""
    from django.db import connection
    from django.utils import timezone

    code = getattr(getattr(connection, "tenant", None), "code", None)
    if isinstance(code, str):
        from parcours.departements.models import zone_for

        timezone.activate(zone_for(code))
    else:
        timezone.deactivate()


@signals.task_postrun.connect
def _default_zone(**kwargs: object) -> None:
    from django.utils import timezone

    timezone.deactivate()


_task_started: dict[str, float] = {}


@signals.task_prerun.connect
def _task_clock_start(task_id: str = "", **kwargs: object) -> None:
    import time

    _task_started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _task_observed(task_id: str = "", task: Any = None, state: str = "", **kwargs: object) -> None:
    """Each task's outcome and duration, by its registered name (parcours.metrics)."""
    import time

    from parcours.metrics import observe_task

    started = _task_started.pop(task_id, None)
    outcome = {"SUCCESS": "success", "RETRY": "retry"}.get(state, "failure")
    observe_task(
        task=getattr(task, "name", "unknown"),
        outcome=outcome,
        seconds=None if started is None else time.perf_counter() - started,
    )


@signals.worker_init.connect
def _serve_metrics(**kwargs: object) -> None:
    """A worker's metrics on a port of its own, served by its main process (the pool's
    processes write theirs under PROMETHEUS_MULTIPROC_DIR)."""
    port = os.environ.get("PARCOURS_METRICS_PORT", "")
    if port:
        from parcours.metrics import serve_metrics

        serve_metrics(port=int(port), address=os.environ.get("PARCOURS_METRICS_BIND", "0.0.0.0"))  # noqa: S104


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_unsafe_start(**kwargs: object) -> None:
    from parcours.accounts.checks import refuse_unsafe_start

    refuse_unsafe_start()


app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Beat does not loop over tenants by itself: each schedule entry is a public task that fans
# out one tenant task per active département (see departements.tasks.fan_out).
app.conf.beat_schedule = {
    "commission-mandate-reminders-every-monday": {
        "task": "tenants.commission.tasks.remind_all_mandates",
        "schedule": crontab(day_of_week=1, hour=7, minute=0),
    },
    "agrements-tacit-approvals-every-morning": {
        "task": "tenants.agrements.tasks.apply_all_tacit_approvals",
        "schedule": crontab(hour=6, minute=45),
    },
    "casework-reminders-every-morning": {
        "task": "tenants.casework.tasks.send_all_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    # A dry-run report only: nothing leaves the active base before the DPO confirms it.
    "retention-dry-run-every-month": {
        "task": "tenants.retention.tasks.prepare_all_sweeps",
        "schedule": crontab(day_of_month=1, hour=4, minute=0),
    },
    "audit-verify-every-night": {
        "task": "parcours.departements.tasks.verify_all_audit_chains",
        "schedule": crontab(hour=3, minute=15),
    },
    # Before office hours, after the night's audit check: the national oversight of the
    # commissions reads today's status, not a release's day.
    "reporting-commission-status-every-morning": {
        "task": "parcours.reporting.tasks.refresh_all_commission_statuses",
        "schedule": crontab(hour=5, minute=30),
    },
    # The access exports' files are deleted once expired (tenants/privacy/exports.py).
    "privacy-expired-access-exports-every-night": {
        "task": "tenants.privacy.tasks.expire_all_access_exports",
        "schedule": crontab(hour=3, minute=45),
    },
}
