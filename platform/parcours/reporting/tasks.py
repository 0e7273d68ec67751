"""Thin national tasks of the release pipeline, run in the public schema; the work is in the
services, which queue these by name (`task_names`) and never import this module.

The tasks run in a département's schema (its extraction, its commission's status) are the
département's side: `tenants.statistics.tasks`.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from parcours.departements.tasks import fan_out
from parcours.reporting import task_names
from parcours.reporting.annual_report import national_report_failed, national_report_generate
from parcours.reporting.services import release_consolidate


@shared_task(name=task_names.CONSOLIDATE_RELEASE, acks_late=True)
def consolidate_release(*, release_id: int) -> dict[str, Any]:
    release = release_consolidate(release_id=release_id)
    return {"release": release.pk, "status": release.status}


@shared_task(
    name=task_names.GENERATE_NATIONAL_REPORT,
    bind=True,
    acks_late=True,
    max_retries=2,
    default_retry_delay=30,
)
def generate_national_report(self: Any, *, report_id: int) -> dict[str, Any]:
    """Sent in the public schema: the PDF of a national annual report. Idempotent: a finished
    version is left as it is, a pending or failed one is built into its own row."""
    try:
        report = national_report_generate(report_id=report_id)
    except Exception as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc) from exc
        national_report_failed(report_id=report_id, error=f"Erreur {type(exc).__name__}")
        return {"report": report_id, "failed": type(exc).__name__}
    if report is None:
        return {"report": report_id, "skipped": True}
    return {"report": report.pk, "status": report.status, "size": report.size}


@shared_task(name=task_names.REFRESH_ALL_COMMISSION_STATUSES)
def refresh_all_commission_statuses() -> int:
    """Beat, every morning: one `refresh_commission_status` per active département, sent by
    name (it is the département's task)."""
    return fan_out(task_names.REFRESH_COMMISSION_STATUS)
