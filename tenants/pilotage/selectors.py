"""What the annual activity report states: commission activity, files, strategy progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from parcours.audit.models import AuditEvent
from tenants.casework.models import Dossier, Pathway
from tenants.commission.models import AgendaItem, Session
from tenants.pilotage.models import PeriodFigures, StrategyAxis


def activity_figures(*, year: int) -> dict[str, Any]:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    sessions = Session.objects.filter(starts_at__date__range=(start, end), status="closed")
    items = AgendaItem.objects.filter(
        session__in=sessions, dossier__isnull=False, closed_at__isnull=False
    )
    files = Dossier.objects.filter(created_at__date__range=(start, end)).aggregate(
        requests=Count("id", filter=Q(kind="first_request")),
        renewals=Count("id", filter=Q(kind="renewal")),
        authorised=Count("id", filter=Q(decision="authorised")),
        refused=Count("id", filter=Q(decision="refused")),
    )
    return {
        "year": year,
        "sessions": sessions.count(),
        "files_examined": items.count(),
        "avis_favourable": items.filter(avis="favourable").count(),
        "avis_unfavourable": items.filter(avis="unfavourable").count(),
        "files": files,
        "active_pathways_end_of_year": Pathway.objects.filter(
            status="active", periods__starts_on__lte=end
        )
        .distinct()
        .count(),
        "figures": PeriodFigures.objects.filter(year=year).first(),
        "axes": list(StrategyAxis.objects.prefetch_related("actions").order_by("position")),
    }


# The audit events of a report's request and of its building (tasks.generate_activity_report).
REQUESTED = "pilotage.report_requested"
GENERATED = "pilotage.report_generated"
# A report asked for and not built within this delay is no longer shown as under way (the
# worker failed or was lost; the coordination asks again).
REPORT_EXPECTED = dt.timedelta(hours=1)


def activity_reports_under_way() -> list[int]:
    """The years of the activity reports asked for and not built yet, oldest request first:
    each request's audit event, until a report names it (tasks.generate_activity_report)."""
    since = timezone.now() - REPORT_EXPECTED
    asked = AuditEvent.objects.filter(action=REQUESTED, occurred_at__gte=since).order_by("id")
    # A report is built after its request: only those of the same window can name one.
    built = set(
        AuditEvent.objects.filter(
            action=GENERATED, occurred_at__gte=since, data__has_key="request"
        ).values_list("data__request", flat=True)
    )
    return [int(event.object_id) for event in asked if event.pk not in built]
