"""The person's rights' background work: thin, idempotent, in the département's schema."""

from __future__ import annotations

from celery import shared_task

from tenants.privacy.exports import access_export_build, access_exports_expire


@shared_task(name="tenants.privacy.tasks.build_access_export")
def build_access_export(*, export_id: int) -> bool:
    """Build one access export (JSON and PDF); a second run of a finished one does nothing."""
    return access_export_build(export_id=export_id)


@shared_task(name="tenants.privacy.tasks.expire_access_exports")
def expire_access_exports() -> int:
    """Delete the files of this département's expired access exports."""
    return access_exports_expire()


@shared_task(name="tenants.privacy.tasks.expire_all_access_exports")
def expire_all_access_exports() -> int:
    from parcours.departements.tasks import fan_out

    return fan_out(expire_access_exports)
