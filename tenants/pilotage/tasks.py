from __future__ import annotations

from celery import shared_task
from django.template.loader import render_to_string
from django.utils import timezone

from parcours.audit.services import audit_record
from parcours.db import connection
from parcours.storage import store_bytes
from tenants.pilotage.models import ActivityReport
from tenants.pilotage.selectors import activity_figures


@shared_task(name="tenants.pilotage.tasks.generate_activity_report")
def generate_activity_report(*, year: int) -> int:
    """Build the annual activity report (PDF) of the département; each run adds a dated version."""
    from weasyprint import HTML

    context = {
        **activity_figures(year=year),
        "tenant": connection.tenant,
        "today": timezone.localdate(),
    }
    pdf: bytes = HTML(string=render_to_string("pilotage/report.html", context)).write_pdf()
    name, _ = store_bytes(data=pdf, suffix=".pdf")
    report = ActivityReport.objects.create(year=year, storage_name=name)
    audit_record(
        action="pilotage.report_generated",
        object_type="report",
        object_id=report.pk,
        data={"year": year},
    )
    return report.pk
