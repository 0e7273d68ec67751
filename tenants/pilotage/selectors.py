"""What the annual activity report states: commission activity, files, strategy progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q

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
