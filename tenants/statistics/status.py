"""The commission as it stands today, computed inside the département's schema.

What the national oversight needs to say "act now" and nothing more: the composition set by
arrêté against the titulars in mandate, the chair, the seats that lose their holder within 90
days with no successor appointed, the sessions of the calendar year and of the last 12 months,
the last session held and the next one convened, files beyond the département's instruction and
decision targets, approvals ending within 90 days. Codes and counts only: no member's name, no
person, no free text leaves the schema.

The composition, the files and the approvals are the same facts a release publishes (one
definition, `tenants.statistics.extraction`), counted on the day instead of a period's last day;
who sits on a day is the commission's own rule (`members_active`). The facts are handed to the
national level as `CommissionFacts`, a shape the platform defines (`parcours.reporting.vocabulary`).
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from dateutil.relativedelta import relativedelta
from django.db import models
from django.db.models import Q
from django.utils import timezone

from parcours.reporting import vocabulary as v
from parcours.reporting.vocabulary import MANDATE_HORIZON_DAYS, CommissionFacts
from tenants.commission.models import Session, SessionStatus
from tenants.commission.selectors import members_active
from tenants.statistics.extraction import oversight_counts


def commission_facts(*, today: dt.date, now: dt.datetime) -> CommissionFacts:
    """The current schema's commission on `today` (the département's day); `now` separates the
    sessions held from those to come. A fixed handful of queries."""
    counts = oversight_counts(snapshot=today)
    totals = {c.indicator: c.value for c in counts if not c.dimension}
    seats = {
        c.category: c.value for c in counts if c.indicator == v.COMPOSITION_SEATS and c.dimension
    }
    filled = {c.category: c.value for c in counts if c.indicator == v.SEATS_FILLED and c.dimension}
    without = sorted(
        c.category for c in counts if c.indicator == v.COLLEGES_WITHOUT_TITULAR and c.dimension
    )
    horizon = today + dt.timedelta(days=MANDATE_HORIZON_DAYS)
    holders_then: dict[str, int] = {}
    for member in members_active(on=horizon):
        if member.is_titular:
            holders_then[member.college] = holders_then.get(member.college, 0) + 1
    # A seat held today and not on the horizon day: its mandate ends and no successor sits then.
    ending = sum(
        max(0, filled.get(college, 0) - min(holders_then.get(college, 0), n))
        for college, n in seats.items()
    )
    chair = any(member.is_chair for member in members_active(on=today))
    return CommissionFacts(
        computed_on=today,
        colleges={college: [n, filled.get(college, 0)] for college, n in sorted(seats.items())},
        colleges_without_titular=without,
        seats=totals.get(v.COMPOSITION_SEATS, 0),
        seats_filled=totals.get(v.SEATS_FILLED, 0),
        titulars=totals.get(v.COMMISSION_TITULARS, 0),
        chair_in_office=chair,
        mandates_ending=ending,
        sessions_minimum=_sessions_minimum(today),
        files_overdue=totals.get(v.FILES_OVERDUE, 0),
        approvals_expiring=totals.get(v.APPROVALS_EXPIRING, 0),
        **_sessions(today, now),
    )


class _Sessions(TypedDict):
    sessions_held_year: int
    sessions_held_12_months: int
    sessions_without_quorum_year: int
    sessions_convened_rest_of_year: int
    last_session_on: dt.date | None
    next_session_on: dt.date | None


def _sessions(today: dt.date, now: dt.datetime) -> _Sessions:
    """Sessions held (closed) this calendar year and over the last 12 months, those that met
    without quorum this year, the last held and the next convened; one query."""
    year_start = dt.date(today.year, 1, 1)
    year_ago = today - relativedelta(years=1) + dt.timedelta(days=1)
    closed = Q(status=SessionStatus.CLOSED, starts_at__lte=now)
    upcoming = Q(status=SessionStatus.CONVENED, starts_at__gte=now)
    row = Session.objects.aggregate(
        held_year=models.Count("id", filter=closed & Q(starts_at__date__gte=year_start)),
        held_12_months=models.Count("id", filter=closed & Q(starts_at__date__gte=year_ago)),
        carence_year=models.Count(
            "id", filter=Q(carence_at__date__gte=year_start, carence_at__lte=now)
        ),
        convened_rest=models.Count(
            "id", filter=upcoming & Q(starts_at__date__lte=dt.date(today.year, 12, 31))
        ),
        last=models.Max("starts_at", filter=closed),
        next=models.Min("starts_at", filter=upcoming),
    )
    return _Sessions(
        sessions_held_year=row["held_year"],
        sessions_held_12_months=row["held_12_months"],
        sessions_without_quorum_year=row["carence_year"],
        sessions_convened_rest_of_year=row["convened_rest"],
        last_session_on=timezone.localtime(row["last"]).date() if row["last"] else None,
        next_session_on=timezone.localtime(row["next"]).date() if row["next"] else None,
    )


def _sessions_minimum(today: dt.date) -> int | None:
    """The legal yearly minimum of sessions in force on the day (none before it was set)."""
    from parcours.referentiel.selectors import MissingLegalParameter, legal_parameter_value

    try:
        return int(legal_parameter_value(key="commission_min_sessions_per_year", on=today))
    except MissingLegalParameter:
        return None
