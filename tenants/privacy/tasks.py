"""The person's rights' background work: thin, idempotent, in the département's schema."""

from __future__ import annotations

from celery import shared_task

from tenants.privacy.exports import access_export_build


@shared_task(name="tenants.privacy.tasks.build_access_export")
def build_access_export(*, export_id: int) -> bool:
    """Build one access export (JSON and PDF); a second run of a finished one does nothing."""
    return access_export_build(export_id=export_id)
