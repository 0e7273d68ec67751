"""A département's counts for a national release, computed inside its schema.

Aggregated SQL only: a handful of grouped queries whatever the number of persons, and the
result is a list of counts (indicator, dimension, category, value). No identity, no row per
person and no free text ever leaves the schema; the disclosure control happens nationally.

Identity attributes (sex, birth date, nationality) are encrypted in the application and cannot
be grouped in SQL: for the persons in pathway on the day, the identities are decrypted here, in
the worker that holds the département's key, reduced at once to three coarse categories (sex,
age band on the day, nationality's world region) and counted; one audit row says how many were
read and why. Everything else is grouped in SQL.

The names of what is counted (indicators, dimensions, categories, the `Count` row) are the
platform's (`parcours.reporting.vocabulary`): the national level knows them without reading this
module, and they stay importable from here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Case, F, Func, Q, Value, When
from django.db.models.functions import Cast, Floor, Least

from parcours.metrics import timed
from parcours.referentiel.world_regions import world_region_of
from parcours.reporting.vocabulary import (
    AFIS_AMOUNT_DUE,
    AFIS_BENEFICIARIES,
    AGE_BANDS,
    APPROVALS_EXPIRING,
    APPROVALS_IN_FORCE,
    APS_GRANTED,
    ASSOCIATION_APPROVED,
    AUTHORISATIONS,
    AWARENESS_COURSES,
    BUYERS_FINED,
    CARE_OPENED,
    COLLEGES_WITHOUT_TITULAR,
    COMMISSION_TITULARS,
    COMPOSITION_SEATS,
    DECISION_DELAY,
    DELAY_CAP_DAYS,
    DIMENSION_AGE,
    DIMENSION_ASSOCIATION,
    DIMENSION_AVIS,
    DIMENSION_CHILDREN,
    DIMENSION_COLLEGE,
    DIMENSION_DELAY_DAYS,
    DIMENSION_DP_CAPPED,
    DIMENSION_OUTCOME,
    DIMENSION_PERIOD,
    DIMENSION_REFUSAL_GROUND,
    DIMENSION_SEX,
    DIMENSION_WORLD_REGION,
    DP_CAPS,
    EARLY_ENDS,
    EXITS,
    FILES_EXAMINED,
    FILES_OVERDUE,
    FILES_PENDING,
    FIRST_REQUESTS,
    HOUSING_OBTAINED,
    NOT_RECORDED,
    OUTCOME_NOT_RECORDED,
    PERSONS_IN_PATHWAY,
    PREVENTION_ACTIONS,
    PROCURING_PROCEEDINGS,
    REFUSAL_GROUND_ORDER,
    REFUSALS,
    RENEWALS,
    SEATS_FILLED,
    SESSIONS_HELD,
    SESSIONS_WITHOUT_QUORUM,
    SEX_CATEGORIES,
    TRAFFICKING_PROCEEDINGS,
    TRAINING_OR_EMPLOYMENT,
    Count,
)
from tenants.agrements.models import Agrement, AgrementStatus
from tenants.casework.crypto import json_decryptor
from tenants.casework.models import (
    Decision,
    Dossier,
    DossierKind,
    Pathway,
    Period,
    Person,
    Right,
    RightStatus,
)
from tenants.commission.models import CollegeSetting, Member, Session, SessionStatus
from tenants.pilotage.models import PeriodFigures


@timed("extraction")  # its duration per département, in the metrics
def extract_counts(
    *,
    snapshot: dt.date,
    period_start: dt.date,
    period_end: dt.date,
    attribute_breakdowns: bool = True,
) -> list[Count]:
    """The current schema's counts: stocks on `snapshot`, flows within the period (inclusive).

    Without `attribute_breakdowns` no identity is decrypted (a page that shows totals only)."""
    counts = _persons_in_pathway(snapshot, attributes=attribute_breakdowns)
    counts += _files(snapshot, period_start, period_end)
    counts += _refusal_grounds(period_start, period_end)
    counts += _decision_delays(period_start, period_end)
    counts += _commission(period_start, period_end)
    counts += _exits(period_start, period_end)
    early_ends = (
        Period.objects.filter(ended_early_on__range=(period_start, period_end))
        .values("pathway_id")
        .distinct()
        .count()
    )
    counts.append(Count(EARLY_ENDS, early_ends))
    approved = list(
        Agrement.objects.filter(
            status=AgrementStatus.APPROVED, valid_from__lte=snapshot, valid_until__gt=snapshot
        )
        .values_list("association_id", flat=True)
        .order_by()
        .distinct()
    )
    counts.append(Count(APPROVALS_IN_FORCE, len(approved)))
    counts += [Count(ASSOCIATION_APPROVED, 1, DIMENSION_ASSOCIATION, str(a)) for a in approved]
    counts += _prevention(period_start, period_end)
    counts += _dp_capped(snapshot, period_start, period_end)
    return (
        counts + _rights(snapshot, period_start, period_end) + oversight_counts(snapshot=snapshot)
    )


def _prevention(start: dt.date, end: dt.date) -> list[Count]:
    """The year's prevention and buyer-side aggregates, for a calendar year only (they are entered
    per year: a quarter or a month has no figure of its own)."""
    if (start.month, start.day, end.month, end.day) != (1, 1, 12, 31) or start.year != end.year:
        return []
    row = PeriodFigures.objects.filter(year=start.year).first()
    fields = [
        BUYERS_FINED,
        AWARENESS_COURSES,
        PROCURING_PROCEEDINGS,
        TRAFFICKING_PROCEEDINGS,
        PREVENTION_ACTIONS,
    ]
    return [Count(name, int(getattr(row, name)) if row else 0) for name in fields]


def _commission(start: dt.date, end: dt.date) -> list[Count]:
    """Sessions held and sessions without quorum, files examined by the commission and by the
    direction of its avis, all within the period."""
    sessions = Session.objects.aggregate(
        held=models.Count(
            "id", filter=Q(status=SessionStatus.CLOSED, starts_at__date__range=(start, end))
        ),
        carence=models.Count("id", filter=Q(carence_at__date__range=(start, end))),
    )
    examined = dict(
        Dossier.objects.filter(commission_avis_on__range=(start, end))
        .exclude(commission_avis="")
        .values_list("commission_avis")
        .annotate(n=models.Count("id"))
        .order_by()
    )
    counts = [
        Count(SESSIONS_HELD, sessions["held"]),
        Count(SESSIONS_WITHOUT_QUORUM, sessions["carence"]),
        Count(FILES_EXAMINED, sum(examined.values())),
    ]
    return counts + [Count(FILES_EXAMINED, n, DIMENSION_AVIS, a) for a, n in examined.items()]


def _refusal_grounds(start: dt.date, end: dt.date) -> list[Count]:
    """Refusals decided in the period by their principal ground (REFUSAL_GROUND_ORDER)."""
    rank = {ground: i for i, ground in enumerate(REFUSAL_GROUND_ORDER)}
    by_ground: dict[str, int] = {}
    for grounds in Dossier.objects.filter(
        decision=Decision.REFUSED, decided_at__date__range=(start, end)
    ).values_list("extra__refusal_grounds", flat=True):
        known = [g for g in grounds or [] if isinstance(g, str) and g in rank]
        ground = min(known, key=rank.__getitem__) if known else NOT_RECORDED
        by_ground[ground] = by_ground.get(ground, 0) + 1
    return [Count(REFUSALS, n, DIMENSION_REFUSAL_GROUND, g) for g, n in by_ground.items()]


def _decision_delays(start: dt.date, end: dt.date) -> list[Count]:
    """Decisions of the period by whole days from submission to decision, minus the time the
    clock was paused for missing items; capped at DELAY_CAP_DAYS (the last bucket is "or more")."""
    seconds = Func(
        F("decided_at") - F("submitted_at"),
        template="EXTRACT(EPOCH FROM %(expressions)s)",
        output_field=models.FloatField(),
    )
    rows = (
        Dossier.objects.filter(decided_at__date__range=(start, end), submitted_at__isnull=False)
        .exclude(decision="")
        .annotate(days=Floor((seconds - F("paused_seconds")) / 86400))
        .values("days")
        .annotate(n=models.Count("id"))
        .order_by()
    )
    by_days: dict[int, int] = {}
    for row in rows:
        days = min(max(int(row["days"]), 0), DELAY_CAP_DAYS)
        by_days[days] = by_days.get(days, 0) + row["n"]
    return [Count(DECISION_DELAY, n, DIMENSION_DELAY_DAYS, str(d)) for d, n in by_days.items()]


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
    counts = [Count(indicator, value) for indicator, value in figures.items()]
    return [*counts, Count(AFIS_AMOUNT_DUE, _afis_amount_due(snapshot))]


def _afis_amount_due(snapshot: dt.date) -> int:
    """Euros a month due on the day to the AFIS beneficiaries: the dated amount of the
    département's territory (Mayotte has its own) and the supplement for each child."""
    from parcours.db import connection
    from parcours.departements.models import Tenant
    from tenants.casework.rights import afis_amount

    paid = (
        Right.objects.filter(
            status=RightStatus.GRANTED, right_type="afis", granted_on__lte=snapshot
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=snapshot))
        .values("person_id")
    )
    beneficiaries = Person.objects.filter(pk__in=paid).aggregate(
        n=models.Count("id"), children=models.Sum("children_count")
    )
    if not beneficiaries["n"]:
        return 0
    rates = afis_amount(children=0, on=snapshot, territory=Tenant.code_for(connection.schema_name))
    total = rates.base * beneficiaries["n"] + rates.per_child * beneficiaries["children"]
    return round(total)


def oversight_counts(*, snapshot: dt.date) -> list[Count]:
    """The commission's composition on the day, files open beyond the département's own
    instruction and decision targets, approvals ending within 90 days."""
    from parcours.db import connection
    from parcours.referentiel.models import NomenclatureItem
    from parcours.workflows.models import WorkflowVariant

    in_office = (
        Member.objects.filter(titular__isnull=True)
        .filter(mandate_start__lte=snapshot, mandate_end__gte=snapshot)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=snapshot))
        .values("college", "is_chair")
        .annotate(n=models.Count("pk"))
        .order_by()
    )
    titulars = 0  # the members besides the chair
    seated: set[str] = set()  # colleges where a member besides the chair sits
    holders: dict[str, int] = {}  # titulars per college, the chair's included
    for row in in_office:
        holders[row["college"]] = holders.get(row["college"], 0) + row["n"]
        if not row["is_chair"]:
            titulars += row["n"]
            seated.add(row["college"])
    sits_on_files = {
        code: (attributes or {}).get("sits_on_individual_files", True)
        for code, attributes in NomenclatureItem.objects.filter(
            kind="college", is_active=True
        ).values_list("code", "attributes")
    }
    # Colleges that sit on files: those that do not (child protection) are not required here.
    colleges = {code for code, sits in sits_on_files.items() if sits}
    # A college whose seats the département has not set needs one titular if it sits on files.
    set_seats = dict(CollegeSetting.objects.values_list("college", "titular_seats"))
    seats = {
        code: n for code, sits in sits_on_files.items() if (n := set_seats.get(code, int(sits))) > 0
    }
    # A college's extra titulars do not fill another college's seats.
    filled = {code: min(holders.get(code, 0), n) for code, n in seats.items()}
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
        Count(COMMISSION_TITULARS, titulars),
        Count(COLLEGES_WITHOUT_TITULAR, len(colleges - seated)),
        # Which ones: a fact about the institution, for the ministry to know whom to appoint.
        *[
            Count(COLLEGES_WITHOUT_TITULAR, 1, DIMENSION_COLLEGE, c)
            for c in sorted(colleges - seated)
        ],
        Count(COMPOSITION_SEATS, sum(seats.values())),
        *[Count(COMPOSITION_SEATS, n, DIMENSION_COLLEGE, c) for c, n in sorted(seats.items())],
        Count(SEATS_FILLED, sum(filled.values())),
        *[Count(SEATS_FILLED, n, DIMENSION_COLLEGE, c) for c, n in sorted(filled.items())],
        Count(FILES_OVERDUE, overdue.count()),
        Count(APPROVALS_EXPIRING, expiring.count()),
    ]


def _persons_in_pathway(snapshot: dt.date, *, attributes: bool) -> list[Count]:
    """Persons with a period running on the day, by duration in pathway, children, sex, age band
    and nationality's world region.

    Every breakdown is a sum over the same rows as the total, so each adds up to it exactly.
    Rows are counted once per *person*, not per pathway: casework allows one pathway in progress
    per person, but the bound the noisy open data rests on (one person moves one cell of each
    breakdown by at most 1, reporting/privacy.py) must hold by construction, whatever the rows.
    """
    from parcours.audit.services import audit_record

    running = Period.objects.filter(_running_on(snapshot, period="", pathway="pathway__"))
    if not attributes:
        return [Count(PERSONS_IN_PATHWAY, running.values("pathway__person_id").distinct().count())]
    rows = running.annotate(
        period_band=Cast(Least("number", Value(4)), models.CharField()),
        children_band=Case(
            When(pathway__person__children_count__gte=3, then=Value("3+")),
            default=Cast("pathway__person__children_count", models.CharField()),
        ),
    ).values_list(
        "pathway__person_id",
        "period_band",
        "children_band",
        "pathway__person__pseudonym",
        "pathway__person__identity_encrypted",
    )
    seen: set[int] = set()
    decrypt = json_decryptor()
    tallies: dict[str, dict[str, int]] = {
        DIMENSION_PERIOD: {},
        DIMENSION_CHILDREN: {},
        DIMENSION_SEX: {},
        DIMENSION_AGE: {},
        DIMENSION_WORLD_REGION: {},
    }
    for person_id, period_band, children_band, pseudonym, token in rows.iterator(chunk_size=2000):
        if person_id in seen:
            continue
        seen.add(person_id)
        identity = decrypt(token, f"person:{pseudonym}:identity") or {}
        sex, age, region = coarse_attributes(identity, on=snapshot)
        for dimension, category in (
            (DIMENSION_PERIOD, period_band),
            (DIMENSION_CHILDREN, children_band),
            (DIMENSION_SEX, sex),
            (DIMENSION_AGE, age),
            (DIMENSION_WORLD_REGION, region),
        ):
            tally = tallies[dimension]
            tally[category] = tally.get(category, 0) + 1
    if seen:
        # The identities were decrypted to be counted, never kept: the audit says so.
        audit_record(
            action="statistics.identities_counted",
            object_type="statistics",
            object_id=snapshot.isoformat(),
            data={"persons": len(seen), "attributes": ["sex", "age_band", "world_region"]},
        )
    counts = [Count(PERSONS_IN_PATHWAY, len(seen))]
    for dimension, tally in tallies.items():
        counts += [Count(PERSONS_IN_PATHWAY, n, dimension, c) for c, n in tally.items()]
    return counts


def coarse_attributes(identity: dict[str, Any], *, on: dt.date) -> tuple[str, str, str]:
    """Sex, age band on the day and world region of nationality; the identity is dropped after.

    An anonymised person's identity is the residue retention kept for this very purpose
    (tenants/retention/erasers.py): her categories, the age bands as of the days she was in
    pathway; it gives the same categories as the identity did."""
    sex = SEX_CATEGORIES.get(str(identity.get("sex") or ""), NOT_RECORDED)
    if identity.get("anonymised"):
        bands = [band for day, band in identity.get("age_bands") or [] if day <= on.isoformat()]
        return sex, (bands[-1] if bands else NOT_RECORDED), str(identity.get("world_region"))
    age_band = NOT_RECORDED
    try:
        birth = dt.date.fromisoformat(str(identity.get("birth_date") or ""))
    except ValueError:
        birth = None
    if birth is not None and birth <= on:
        age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
        age_band = next((band for bound, band in AGE_BANDS if age < bound), AGE_BANDS[-1][1])
    region = world_region_of(str(identity.get("nationality") or ""))
    return sex, age_band, region


def _file_filters(snapshot: dt.date, start: dt.date, end: dt.date) -> dict[str, Q]:
    """Which files each file figure counts: first requests submitted, decisions taken within the
    period; files under instruction on the day."""
    in_period = Q(decided_at__date__range=(start, end))
    return {
        FIRST_REQUESTS: Q(kind=DossierKind.FIRST_REQUEST, submitted_at__date__range=(start, end)),
        AUTHORISATIONS: in_period & Q(kind=DossierKind.FIRST_REQUEST, decision=Decision.AUTHORISED),
        REFUSALS: in_period & Q(decision=Decision.REFUSED),
        RENEWALS: in_period & Q(kind=DossierKind.RENEWAL, decision=Decision.AUTHORISED),
        FILES_PENDING: Q(submitted_at__date__lte=snapshot)
        & (Q(closed_at__isnull=True) | Q(closed_at__date__gt=snapshot)),
    }


def _files(snapshot: dt.date, start: dt.date, end: dt.date) -> list[Count]:
    figures = Dossier.objects.aggregate(
        **{
            indicator: models.Count("id", filter=condition)
            for indicator, condition in _file_filters(snapshot, start, end).items()
        }
    )
    return [Count(indicator, value) for indicator, value in figures.items()]


def _running_on(snapshot: dt.date, *, period: str, pathway: str) -> Q:
    """A period running on the day, of a pathway not exited; `period` and `pathway` are the
    paths to each from the model queried ("" for the model itself)."""
    return (
        Q(**{f"{period}starts_on__lte": snapshot, f"{period}ends_on__gte": snapshot})
        & (
            Q(**{f"{period}ended_early_on__isnull": True})
            | Q(**{f"{period}ended_early_on__gt": snapshot})
        )
        & (Q(**{f"{pathway}exited_on__isnull": True}) | Q(**{f"{pathway}exited_on__gt": snapshot}))
    )


def _dp_capped(snapshot: dt.date, start: dt.date, end: dt.date) -> list[Count]:
    """The figures of DP_CAPS with each person's contribution capped at its bound, so that the
    noise of the differentially private release is calibrated to what a person can really add:
    two queries, each grouping by person and summing the capped counts in the database."""

    def capped(per_person: Any, conditions: dict[str, Q]) -> dict[str, int]:
        grouped = per_person.values("person_id").annotate(
            **{
                f"capped_{indicator}": Least(
                    models.Count("id", filter=condition, distinct=True),
                    Value(DP_CAPS[indicator]),
                )
                for indicator, condition in conditions.items()
            }
        )
        sums = grouped.order_by().aggregate(
            **{indicator: models.Sum(f"capped_{indicator}") for indicator in conditions}
        )
        return {indicator: int(value or 0) for indicator, value in sums.items()}

    figures = capped(Dossier.objects.all(), _file_filters(snapshot, start, end))
    figures |= capped(
        Pathway.objects.all(),
        {
            PERSONS_IN_PATHWAY: _running_on(snapshot, period="periods__", pathway=""),
            EXITS: Q(exited_on__range=(start, end)),
            EARLY_ENDS: Q(periods__ended_early_on__range=(start, end)),
        },
    )
    return [Count(indicator, value, DIMENSION_DP_CAPPED) for indicator, value in figures.items()]


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
