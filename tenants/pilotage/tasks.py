from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from parcours.audit.models import AuditEvent
from parcours.audit.services import audit_record
from parcours.db import connection
from parcours.storage import store_bytes
from tenants.pilotage.models import ActivityReport
from tenants.pilotage.selectors import GENERATED, activity_figures


@shared_task(name="tenants.pilotage.tasks.generate_activity_report")
def generate_activity_report(*, year: int, request: int | None = None) -> int:
    """Build the annual activity report (PDF) of the département; each request adds a dated
    version. `request` is the audit event of the request: a rerun of the same request (a worker
    lost mid-task, the message delivered again) finds the report it built and builds no other."""
    from weasyprint import HTML

    with transaction.atomic():
        if request is not None:
            # Two deliveries of one request never build side by side.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [_lock(request)])
            built = (
                AuditEvent.objects.filter(action=GENERATED, data__year=year, data__request=request)
                .values_list("object_id", flat=True)
                .first()
            )
            if built is not None:
                return int(built)
        context = {
            **activity_figures(year=year),
            "tenant": connection.tenant,
            "today": timezone.localdate(),
        }
        pdf: bytes = HTML(string=render_to_string("pilotage/report.html", context)).write_pdf()
        name, _ = store_bytes(data=pdf, suffix=".pdf")
        report = ActivityReport.objects.create(year=year, storage_name=name)
        audit_record(
            action=GENERATED,
            object_type="report",
            object_id=report.pk,
            data={"year": year, **({"request": request} if request is not None else {})},
        )
        return report.pk


def _lock(request: int) -> str:
    return f"{connection.schema_name}:activity_report:{request}"
