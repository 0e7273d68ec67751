"""Thin tasks run in a département's schema (tenant-schemas-celery), queued by the platform by
their names (`parcours.reporting.task_names`); the work is in the extraction and the
commission's status, the writes are the platform's."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from parcours.db import connection
from parcours.departements.models import Tenant
from parcours.reporting import task_names
from parcours.reporting.models import Release
from parcours.reporting.oversight_services import commission_status_write
from parcours.reporting.services import staging_failed, staging_write
from tenants.statistics.extraction import extract_counts
from tenants.statistics.status import commission_facts


@shared_task(
    name=task_names.EXTRACT_DEPARTEMENT,
    bind=True,
    acks_late=True,
    max_retries=3,
    default_retry_delay=15,
)
def extract_departement(self: Any, *, release_id: int) -> dict[str, Any]:
    """Sent in a département's schema (tenant-schemas-celery): its counts for the release.

    Idempotent: the département's staging rows are replaced, never added to.
    """
    schema = connection.schema_name
    code = Tenant.code_for(schema)
    release = Release.objects.filter(pk=release_id).first()
    if release is None:
        return {"code": code, "skipped": True}
    try:
        counts = extract_counts(
            snapshot=release.snapshot_on,
            period_start=release.period_start,
            period_end=release.period_end,
        )
    except Exception as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc) from exc
        staging_failed(release_id=release_id, code=code, error=type(exc).__name__)
        return {"code": code, "failed": type(exc).__name__}
    complete = staging_write(release_id=release_id, code=code, counts=counts)
    return {"code": code, "counts": len(counts), "last": complete}


@shared_task(
    name=task_names.REFRESH_COMMISSION_STATUS,
    bind=True,
    acks_late=True,
    max_retries=3,
    default_retry_delay=30,
)
def refresh_commission_status(self: Any) -> dict[str, Any]:
    """Sent in a département's schema: its commission's status today, replacing yesterday's.

    Idempotent: the row is replaced; a failure leaves the last one, whose day the page shows."""
    code = Tenant.code_for(connection.schema_name)
    try:
        facts = commission_facts(today=timezone.localdate(), now=timezone.now())
    except Exception as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc) from exc
        raise
    commission_status_write(code=code, facts=facts, computed_at=timezone.now())
    return {"code": code, "computed_on": facts.computed_on.isoformat()}
