"""A département's counts for a national release, computed inside its schema.

Aggregated SQL only: a handful of grouped queries whatever the number of persons, and the
result is a list of counts (indicator, dimension, category, value). No identity, no row per
person and no free text ever leaves the schema; the disclosure control happens nationally.

Identity attributes (sex, birth date, nationality) are encrypted in the application and cannot
be grouped in SQL: the breakdowns are by what the tables hold in clear (duration in pathway,
children, exit outcome).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Cast, Least

from tenants.agrements.models import Agrement, AgrementStatus
from tenants.casework.models import (
    Decision,
    Dossier,
    DossierKind,
    Pathway,
    Period,
    Right,
    RightStatus,
)
from tenants.commission.models import Member, Session, SessionStatus

# Indicator and dimension codes, shared with parcours.reporting.indicators (their labels).
PERSONS_IN_PATHWAY = "persons_in_pathway"
FIRST_REQUESTS = "first_requests"
AUTHORISATIONS = "authorisations"
REFUSALS = "refusals"
RENEWALS = "renewals"
EXITS = "exits"
EARLY_ENDS = "early_ends"
FILES_PENDING = "files_pending"
APPROVALS_IN_FORCE = "approvals_in_force"
SESSIONS_HELD = "sessions_held"
# Rights opened by the pathway (CASF R.121-12-11, L.121-9; CESEDA L.425-4).
AFIS_BENEFICIARIES = "afis_beneficiaries"
APS_GRANTED = "aps_granted"
HOUSING_OBTAINED = "housing_obtained"
CARE_OPENED = "care_opened"
TRAINING_OR_EMPLOYMENT = "training_or_employment"
# Oversight of the commissions: facts about the institution, no person, published exactly.
COMMISSION_TITULARS = "commission_titulars"
COLLEGES_WITHOUT_TITULAR = "colleges_without_titular"
FILES_OVERDUE = "files_overdue"
APPROVALS_EXPIRING = "approvals_expiring_90_days"
DIMENSION_PERIOD = "period_number"
DIMENSION_CHILDREN = "children"
DIMENSION_OUTCOME = "outcome"
OUTCOME_NOT_RECORDED = "non_renseigne"


@dataclass(frozen=True)
class Count:
    indicator: str
    value: int
    dimension: str = ""
    category: str = ""


def extract_counts(*, snapshot: dt.date, period_start: dt.date, period_end: dt.date) -> list[Count]:
    """The current schema's counts: stocks on `snapshot`, flows within the period (inclusive)."""
    counts = _persons_in_pathway(snapshot)
    counts += _files(snapshot, period_start, period_end)
    counts += _exits(period_start, period_end)
    early_ends = (
        Period.objects.filter(ended_early_on__range=(period_start, period_end))
        .values("pathway_id")
        .distinct()
        .count()
    )
    counts.append(Count(EARLY_ENDS, early_ends))
    approvals = Agrement.objects.filter(
        status=AgrementStatus.APPROVED, valid_from__lte=snapshot, valid_until__gt=snapshot
    ).count()
    counts.append(Count(APPROVALS_IN_FORCE, approvals))
    sessions = Session.objects.filter(
        status=SessionStatus.CLOSED, starts_at__date__range=(period_start, period_end)
    ).count()
    counts.append(Count(SESSIONS_HELD, sessions))
    return counts + _rights(snapshot, period_start, period_end) + _oversight(snapshot)


def _rights(snapshot: dt.date, start: dt.date, end: dt.date) -> list[Count]:
    """Persons receiving the AFIS on the day; persons who obtained a right within the period
    (APS, housing or shelter, care, training or work), each person counted once per figure."""
    granted = Q(status=RightStatus.GRANTED)
    in_period = granted & Q(granted_on__range=(start, end))
    figures = Right.objects.aggregate(
        **{
            AFIS_BENEFICIARIES: models.Count(
                "person_id",
                distinct=True,
                filter=granted
                & Q(right_type="afis", granted_on__lte=snapshot)
                & (Q(ends_on__isnull=True) | Q(ends_on__gte=snapshot)),
            ),
            APS_GRANTED: models.Count(
                "person_id", distinct=True, filter=in_period & Q(right_type="aps")
            ),
            HOUSING_OBTAINED: models.Count(
                "person_id",
                distinct=True,
                filter=in_period & Q(right_type__in=["logement", "hebergement"]),
            ),
            CARE_OPENED: models.Count(
                "person_id", distinct=True, filter=in_period & Q(right_type="soins")
            ),
            TRAINING_OR_EMPLOYMENT: models.Count(
                "person_id",
                distinct=True,
                filter=in_period & Q(right_type__in=["formation", "emploi"]),
            ),
        }
    )
    return [Count(indicator, value) for indicator, value in figures.items()]


def _oversight(snapshot: dt.date) -> list[Count]:
    """The commission's composition on the day, files open beyond the département's own
    instruction and decision targets, approvals ending within 90 days."""
    from parcours.db import connection
    from parcours.referentiel.models import NomenclatureItem
    from parcours.workflows.models import WorkflowVariant

    titulars = (
        Member.objects.filter(titular__isnull=True, is_chair=False)
        .filter(mandate_start__lte=snapshot, mandate_end__gte=snapshot)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=snapshot))
    )
    seated = set(titulars.values_list("college", flat=True).distinct())
    # Colleges that sit on files: those that do not (child protection) are not required here.
    colleges = {
        code
        for code, attributes in NomenclatureItem.objects.filter(
            kind="college", is_active=True
        ).values_list("code", "attributes")
        if (attributes or {}).get("sits_on_individual_files", True)
    }
    variant = (
        WorkflowVariant.objects.filter(tenant__schema_name=connection.schema_name, is_current=True)
        .values_list("definition", flat=True)
        .first()
    )
    deadlines = (variant or {}).get("deadlines", {})
    target = int(deadlines.get("instruction_target_days", 45)) + int(
        deadlines.get("decision_target_days", 30)
    )
    overdue = Dossier.objects.filter(
        submitted_at__date__lt=snapshot - dt.timedelta(days=target),
    ).filter(Q(closed_at__isnull=True) | Q(closed_at__date__gt=snapshot))
    expiring = Agrement.objects.filter(
        status=AgrementStatus.APPROVED,
        valid_until__gt=snapshot,
        valid_until__lte=snapshot + dt.timedelta(days=90),
    )
    return [
        Count(COMMISSION_TITULARS, titulars.count()),
        Count(COLLEGES_WITHOUT_TITULAR, len(colleges - seated)),
        Count(FILES_OVERDUE, overdue.count()),
        Count(APPROVALS_EXPIRING, expiring.count()),
    ]


def _persons_in_pathway(snapshot: dt.date) -> list[Count]:
    """Pathways with a period running on the day (a person has one pathway in progress at most).

    One grouped query by (period number, children band); the total and both breakdowns are
    sums of its rows, so every breakdown adds up to the total exactly.
    """
    running = Period.objects.filter(starts_on__lte=snapshot, ends_on__gte=snapshot).filter(
        Q(ended_early_on__isnull=True) | Q(ended_early_on__gt=snapshot),
        Q(pathway__exited_on__isnull=True) | Q(pathway__exited_on__gt=snapshot),
    )
    rows = (
        running.annotate(
            period_band=Cast(Least("number", Value(4)), models.CharField()),
            children_band=Case(
                When(pathway__person__children_count__gte=3, then=Value("3+")),
                default=Cast("pathway__person__children_count", models.CharField()),
            ),
        )
        .values("period_band", "children_band")
        .annotate(n=models.Count("pathway_id", distinct=True))
        .order_by()
    )
    total = 0
    by_period: dict[str, int] = {}
    by_children: dict[str, int] = {}
    for row in rows:
        total += row["n"]
        by_period[row["period_band"]] = by_period.get(row["period_band"], 0) + row["n"]
        by_children[row["children_band"]] = by_children.get(row["children_band"], 0) + row["n"]
    counts = [Count(PERSONS_IN_PATHWAY, total)]
    counts += [Count(PERSONS_IN_PATHWAY, n, DIMENSION_PERIOD, c) for c, n in by_period.items()]
    counts += [Count(PERSONS_IN_PATHWAY, n, DIMENSION_CHILDREN, c) for c, n in by_children.items()]
    return counts


def _files(snapshot: dt.date, start: dt.date, end: dt.date) -> list[Count]:
    in_period = Q(decided_at__date__range=(start, end))
    figures = Dossier.objects.aggregate(
        first_requests=models.Count(
            "id", filter=Q(kind=DossierKind.FIRST_REQUEST, submitted_at__date__range=(start, end))
        ),
        authorisations=models.Count(
            "id",
            filter=in_period & Q(kind=DossierKind.FIRST_REQUEST, decision=Decision.AUTHORISED),
        ),
        refusals=models.Count("id", filter=in_period & Q(decision=Decision.REFUSED)),
        renewals=models.Count(
            "id", filter=in_period & Q(kind=DossierKind.RENEWAL, decision=Decision.AUTHORISED)
        ),
        files_pending=models.Count(
            "id",
            filter=Q(submitted_at__date__lte=snapshot)
            & (Q(closed_at__isnull=True) | Q(closed_at__date__gt=snapshot)),
        ),
    )
    return [Count(indicator, value) for indicator, value in figures.items()]


def _exits(start: dt.date, end: dt.date) -> list[Count]:
    rows = (
        Pathway.objects.filter(exited_on__range=(start, end))
        .values("exit_outcome")
        .annotate(n=models.Count("id"))
        .order_by()
    )
    by_outcome: dict[str, int] = {}
    for row in rows:
        outcome = row["exit_outcome"] or OUTCOME_NOT_RECORDED
        by_outcome[outcome] = by_outcome.get(outcome, 0) + row["n"]
    counts = [Count(EXITS, sum(by_outcome.values()))]
    counts += [Count(EXITS, n, DIMENSION_OUTCOME, c) for c, n in by_outcome.items()]
    return counts
