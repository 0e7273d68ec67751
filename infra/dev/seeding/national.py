"""Demo case data matching the real national situation (see ../shared/domain.md).

`national_figures_seed()` seeds every figure the sources give for 2022–2024 in the 101
départements: the case history (national_plan.py, written by national_history.py), the approved
associations (national_associations.py) and the commissions with their sessions
(national_commissions.py). The stock on 31 December 2024 is split as the sources say: 903 persons
in 67 départements; Paris 148, Rhône 89, Bouches-du-Rhône 49, Isère 39, Haute-Garonne 39; 26
départements with 1–5, 16 with 6–10, 9 with 11–20, 12 with more than 20, 34 with none. The split
of the départements not named by the sources is invented but keeps those bands and that total.

The sources do not add up: 26 + 16 + 9 + 12 = 63 départements in the bands, but 67 with persons
(101 - 34). The seeding keeps 903, the 67 and the three upper bands, and puts the 4 départements
the bands leave out in 1–5 (the band where small counts are least reliably reported): 30 there.

`national_figures_seed(distribution=...)` seeds a given stock of 31/12/2024 alone (tests, small
pictures): persons in pathway with a first request authorised, a renewal for some, the period
running on the day, a quarter of that count who left during 2024 and about one refusal for ten;
no commission, no approval. Both create persons in bulk (a few queries per département), with
their identity encrypted like any other (tenants/casework/crypto.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from infra.dev.seeding.national_associations import (
    NETWORK_RNA,
    approvals_write,
    associations_ensure,
)
from infra.dev.seeding.national_commissions import (
    commission_plans,
    commission_write,
    seat_users_ensure,
)
from infra.dev.seeding.national_history import (
    already_seeded,
    decided_states,
    history_write,
    person_build,
)
from infra.dev.seeding.national_plan import national_plans
from parcours.associations.models import Association
from parcours.audit.services import audit_record
from parcours.db import connection
from parcours.departements.models import Tenant, TenantStatus
from parcours.referentiel.models import Departement
from parcours.workflows.services import current_variant
from tenants.casework.models import (
    Avis,
    Decision,
    Dossier,
    DossierKind,
    Pathway,
    PathwayStatus,
    Period,
    Person,
    Right,
    RightStatus,
)

SNAPSHOT_2024 = dt.date(2024, 12, 31)
_NAMED = {"75": 148, "69": 89, "13": 49, "38": 39, "31": 39}
_OVER_20 = {"59": 33, "06": 30, "33": 29, "34": 28, "44": 26, "93": 24, "67": 22}
_ELEVEN_TO_20 = [19, 18, 17, 16, 15, 14, 13, 12, 11]
_SIX_TO_10 = [10, 10, 9, 9, 9, 8, 8, 8, 8, 8, 7, 7, 7, 7, 7, 6]
# 26 from the sources, and the 4 their bands leave out (see the module's docstring).
_ONE_TO_5 = [1, 2, 3, 4, 5] * 5 + [3] + [1, 2, 1, 2]
# Rights obtained, per 20 persons in pathway: AFIS, APS, shelter, care, training.
_RIGHTS_PER_20 = {"afis": 13, "aps": 12, "hebergement": 8, "soins": 11, "formation": 5}
# The national network, in both seeds (national_associations.py approves it in 15 départements).
SEED_ASSOCIATION_RNA = NETWORK_RNA


def distribution_2024(*, codes: list[str]) -> dict[str, int]:
    """Persons in pathway on 31/12/2024 per département code, for the 101 codes given."""
    distribution = {**_NAMED, **_OVER_20}
    rest = [c for c in codes if c not in distribution]
    for value in _ELEVEN_TO_20 + _SIX_TO_10 + _ONE_TO_5:
        distribution[rest.pop(0)] = value
    return distribution


@dataclass(frozen=True)
class SeedResult:
    seeded: dict[str, int]
    skipped: list[str]  # already seeded
    not_provisioned: list[str]


def national_figures_seed(
    *, distribution: Mapping[str, int] | None = None, snapshot: dt.date = SNAPSHOT_2024
) -> SeedResult:
    """Fill the départements' schemas (idempotent: a département seeded once is left alone):
    the national history of 2022–2024 with its commissions and approvals, or, given a
    `distribution`, that stock of `snapshot` alone."""
    if distribution is None:
        return _national_history_seed()
    with schema_context("public"):
        association = _seed_association()
        tenants = {
            t.code: t
            for t in Tenant.objects.filter(code__in=distribution, status=TenantStatus.ACTIVE)
        }
        variants = {code: current_variant(tenant=t).pk for code, t in tenants.items()}
    seeded: dict[str, int] = {}
    skipped: list[str] = []
    for code, persons in distribution.items():
        tenant = tenants.get(code)
        if tenant is None or persons == 0:
            continue
        connection.set_tenant(tenant)
        try:
            if _seed_departement(
                code=code,
                persons=persons,
                association_id=association.pk,
                variant_id=variants[code],
                snapshot=snapshot,
            ):
                seeded[code] = persons
            else:
                skipped.append(code)
        finally:
            connection.set_schema_to_public()
    missing = sorted(c for c, n in distribution.items() if n and c not in tenants)
    return SeedResult(seeded=seeded, skipped=skipped, not_provisioned=missing)


def _national_history_seed() -> SeedResult:
    """Every département: its case history, approvals, commission and sessions, each part
    skipped where already written. A few queries per département, and seven national ones."""
    with schema_context("public"):
        codes = list(Departement.objects.order_by("sort_key").values_list("code", flat=True))
        given = distribution_2024(codes=codes)
        stock = {code: given.get(code, 0) for code in codes}
        tenants = {t.code: t for t in Tenant.objects.filter(status=TenantStatus.ACTIVE)}
        variants = {code: current_variant(tenant=t).pk for code, t in tenants.items()}
        approvals = associations_ensure(stock_2024=stock)
        users = seat_users_ensure(codes=sorted(tenants))
    plans = national_plans(stock_2024=stock)
    commissions = commission_plans(
        stock_2024=stock,
        approvals={c: [a.association_id for a in v] for c, v in approvals.items()},
    )
    seeded: dict[str, int] = {}
    skipped: list[str] = []
    for code in codes:
        tenant = tenants.get(code)
        if tenant is None:
            continue
        connection.set_tenant(tenant)
        try:
            approvals_write(code=code, approvals=approvals.get(code, []))
            commission_write(plan=commissions[code], users=users)
            if code not in plans:
                continue
            if already_seeded(code=code):
                skipped.append(code)
                continue
            history_write(
                plan=plans[code],
                association_ids=[a.association_id for a in approvals[code]],
                variant_id=variants[code],
            )
            seeded[code] = stock[code]
        finally:
            connection.set_schema_to_public()
    missing = sorted(c for c in codes if c not in tenants)
    return SeedResult(seeded=seeded, skipped=skipped, not_provisioned=missing)


def _seed_association() -> Association:
    association, _ = Association.objects.get_or_create(
        rna=SEED_ASSOCIATION_RNA,
        defaults={
            "name": "Réseau national d'accompagnement (données de démonstration)",
            "head_office_departement": Departement.objects.get(code="75"),
            "declared_on": dt.date(2010, 1, 1),
        },
    )
    return association


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def _seed_departement(
    *, code: str, persons: int, association_id: int, variant_id: int, snapshot: dt.date
) -> bool:
    prefix = f"PSP-{code}-{snapshot.year}-S"
    if Person.objects.filter(pseudonym__startswith=prefix).exists():
        return False
    exits = persons // 4
    # About one refusal for ten persons in pathway (84 refusals, 903 persons in 2024).
    refusals = persons // 10
    year_start = snapshot.replace(month=1, day=1)
    authorised, refused_state = decided_states()
    with transaction.atomic():
        people = [
            person_build(i, f"{prefix}{i + 1:04d}", association_id, snapshot, aged_on=snapshot)
            for i in range(persons + exits + refusals)
        ]
        people = Person.objects.bulk_create(people)
        pathways = []
        for i, person in enumerate(people):
            exited = persons <= i < persons + exits
            status = PathwayStatus.EXITED if exited else PathwayStatus.ACTIVE
            pathways.append(
                Pathway(
                    person=person,
                    status=PathwayStatus.REFUSED if i >= persons + exits else status,
                    exit_outcome=["logement", "emploi", "formation", "autre"][i % 4]
                    if exited
                    else "",
                    exited_on=year_start + dt.timedelta(days=60 + i % 200) if exited else None,
                )
            )
        pathways = Pathway.objects.bulk_create(pathways)
        # Each pathway: its periods, newest covering the snapshot (or ended before the exit).
        plans: list[tuple[Pathway, list[dt.date]]] = []
        refused: list[Dossier] = []
        grounds = ["project_insufficient", "conditions_not_met", "commitments_not_kept", "other"]
        for i, pathway in enumerate(pathways):
            if i >= persons + exits:
                decided = year_start + dt.timedelta(days=30 + (i * 17) % 300)
                refused.append(
                    Dossier(
                        pathway=pathway,
                        person_id=pathway.person_id,
                        association_id=association_id,
                        kind=DossierKind.FIRST_REQUEST,
                        number=1,
                        workflow_variant_id=variant_id,
                        state=refused_state,
                        extra={"refusal_grounds": sorted({grounds[i % 4], "no_complaint"})},
                        submitted_at=_aware(decided - dt.timedelta(days=40 + (i * 11) % 50)),
                        commission_avis=Avis.UNFAVOURABLE,
                        commission_avis_on=decided - dt.timedelta(days=12),
                        closed_at=_aware(decided),
                        decision=Decision.REFUSED,
                        decided_at=_aware(decided),
                    )
                )
                continue
            if i >= persons:
                last_start = year_start - relativedelta(months=4)
                plans.append((pathway, [last_start]))
                continue
            last_start = snapshot - dt.timedelta(days=(i * 13) % 180)
            count = 1 + (i % 7 == 0) + (i % 11 == 0)
            starts = [last_start - relativedelta(months=6 * n) for n in range(count - 1, -1, -1)]
            plans.append((pathway, starts))
        dossiers = []
        for p, (pathway, starts) in enumerate(plans):
            for number, start in enumerate(starts, 1):
                # From submission to decision: 4 to 12 weeks (the first weeks are instruction).
                waited = 28 + (p * 13 + number * 5) % 57
                dossiers.append(
                    Dossier(
                        pathway=pathway,
                        person_id=pathway.person_id,
                        association_id=association_id,
                        kind=DossierKind.FIRST_REQUEST if number == 1 else DossierKind.RENEWAL,
                        number=number,
                        workflow_variant_id=variant_id,
                        state=authorised,
                        submitted_at=_aware(start - dt.timedelta(days=waited)),
                        commission_avis=Avis.FAVOURABLE,
                        commission_avis_on=start - dt.timedelta(days=10),
                        closed_at=_aware(start),
                        decision=Decision.AUTHORISED,
                        decided_at=_aware(start),
                        start_on=start,
                    )
                )
        dossiers = Dossier.objects.bulk_create(dossiers)
        Dossier.objects.bulk_create(refused)
        periods = [
            Period(
                pathway_id=d.pathway_id,
                dossier=d,
                number=d.number,
                starts_on=d.start_on,
                ends_on=d.start_on + relativedelta(months=6) - dt.timedelta(days=1),
            )
            for d in dossiers
            if d.start_on is not None
        ]
        Period.objects.bulk_create(periods)
        Right.objects.bulk_create(_rights(pathways[:persons], periods, snapshot))
        audit_record(
            action="statistics.seeded",
            object_type="departement",
            object_id=code,
            data={
                "persons_in_pathway": persons,
                "exits": exits,
                "refusals": refusals,
                "on": snapshot.isoformat(),
            },
        )
    return True


def _rights(pathways: list[Pathway], periods: list[Period], snapshot: dt.date) -> list[Right]:
    """Rights obtained by the persons in pathway on the day: the AFIS from their pathway's first
    period, still paid; APS, shelter, care and training granted a few weeks into the last one."""
    first_start: dict[int, dt.date] = {}
    last_start: dict[int, dt.date] = {}
    for period in periods:
        first_start[period.pathway_id] = min(
            period.starts_on, first_start.get(period.pathway_id, period.starts_on)
        )
        last_start[period.pathway_id] = max(
            period.starts_on, last_start.get(period.pathway_id, period.starts_on)
        )
    rights = []
    for i, pathway in enumerate(pathways):
        for right_type, per_20 in _RIGHTS_PER_20.items():
            if (i * 3 + len(right_type)) % 20 >= per_20:
                continue
            if right_type == "afis":
                granted = first_start[pathway.pk] + dt.timedelta(days=20)
            else:
                granted = last_start[pathway.pk] + dt.timedelta(days=15 + i % 30)
            rights.append(
                Right(
                    person_id=pathway.person_id,
                    pathway=pathway,
                    right_type=right_type,
                    status=RightStatus.GRANTED,
                    requested_on=granted - dt.timedelta(days=10),
                    granted_on=min(granted, snapshot),
                )
            )
    return rights


def demo_release_ensure() -> bool:
    """`make run`: the national case data and its published releases, computed once (the
    dashboard is never empty and its trends have three years): the years 2022, 2023 and 2024 and
    the four quarters of 2024. True when any release was computed now."""
    from parcours.departements.management.commands.provision import default_jobs
    from parcours.reporting.models import PeriodKind, Release, ReleaseStatus
    from tenants.statistics.services import release_run_sync

    national_figures_seed()
    # The year 2024 last: the most recent publication is the year, its quarters before it.
    periods = [(PeriodKind.QUARTER, dt.date(2024, month, 1)) for month in (1, 4, 7, 10)]
    periods += [(PeriodKind.YEAR, dt.date(year, 1, 1)) for year in (2022, 2023, 2024)]
    published = set(
        Release.objects.filter(status=ReleaseStatus.PUBLISHED).values_list(
            "period_kind", "period_start"
        )
    )
    computed = False
    for kind, start in periods:
        if (kind, start) in published:
            continue
        # The 2024 year with noisy open data at ε = 1 (half the default yearly budget), so that
        # the open-data page shows what a differentially private release looks like.
        noisy = kind == PeriodKind.YEAR and start.year == 2024
        release_run_sync(
            period_kind=kind,
            period_start=start,
            actor_id=None,
            dp_epsilon=Decimal(1) if noisy else None,
            jobs=default_jobs(),
        )
        computed = True
    return computed
