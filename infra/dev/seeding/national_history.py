"""Writes a département's planned case history (national_plan.py) into its schema, in bulk: a few
queries whatever the number of persons. Identities are encrypted like any other
(tenants/casework/crypto.py); nothing personal is written outside the département's schema.

Each authorised entry gets its first request, a renewal for each later period that has started
by today (filed a month or so ahead, examined by the commission a week before it starts), its
periods, an exit with its outcome once its last period is over (or the early end), the AFIS when
the plan says so, and other rights opened during the pathway; each refusal its refused first
request with its grounds.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from infra.dev.seeding.national_plan import DepartementPlan, Entry
from parcours.audit.services import audit_record
from parcours.workflows.services import shipped_workflow
from tenants.casework.crypto import encrypt_json
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

_FIRST_NAMES = ["Amina", "Elena", "Joy", "Mei", "Sara", "Ioana", "Blessing", "Grace"]
# Weighted like the associations' reports: Nigeria first, then China, Romania, Latin America.
_NATIONALITIES = (
    ["NGA"] * 8
    + ["CHN"] * 2
    + ["ROU", "ROU", "BGR", "BRA", "COL", "CMR", "GHA", "CIV", "FRA", "MAR", "ALB", "VNM"]
)
# Rights opened during the pathway, per 20 persons: APS, shelter, care, training.
_RIGHTS_PER_20 = {"aps": 12, "hebergement": 8, "soins": 11, "formation": 5}
_OUTCOMES = ["logement", "emploi", "formation", "autre", "logement", "emploi", "perte_contact"]
_GROUNDS = ["project_insufficient", "conditions_not_met", "commitments_not_kept", "other"]
PREFIX = "PSP-{code}-H"


def decided_states() -> tuple[str, str]:
    """The states a decided file is left in, (authorised, refused): the targets of the préfet's
    two decisions in the shipped workflow, never names written here."""
    workflow = shipped_workflow()
    return workflow.transitions["authorise"].target, workflow.transitions["refuse"].target


def _aware(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def person_build(
    i: int,
    pseudonym: str,
    association_id: int,
    last_contact: dt.date,
    aged_on: dt.date = dt.date(2024, 12, 31),
) -> Person:
    """The i-th fictional person, identity encrypted: mostly women, a few men and persons who
    state neither; aged 19 to 54 on `aged_on`."""
    age_days = 365 * (19 + (i * 7) % 36) + (i * 37) % 365
    identity = {
        "first_name": _FIRST_NAMES[i % len(_FIRST_NAMES)],
        "last_name": f"Exemple{i + 1}",
        "sex": "M" if i % 20 == 3 else "X" if i % 25 == 7 else "F",
        "nationality": _NATIONALITIES[(i * 7) % len(_NATIONALITIES)],
        "birth_date": (aged_on - dt.timedelta(days=age_days)).isoformat(),
    }
    return Person(
        pseudonym=pseudonym,
        association_id=association_id,
        identity_encrypted=encrypt_json(identity, purpose=f"person:{pseudonym}:identity"),
        children_count=(i * 7) % 5 % 4,
        languages=["fr"],
        last_contact_on=last_contact,
    )


def already_seeded(*, code: str) -> bool:
    """Whether the département holds seeded persons (of this history or of a 2024 stock; the
    demo's persons, "PSP-<code>-<year>-<n>", are not)."""
    return Person.objects.filter(pseudonym__regex=rf"^PSP-{code}-(H|\d{{4}}-S)").exists()


def history_write(
    *, plan: DepartementPlan, association_ids: list[int], variant_id: int
) -> dict[str, int]:
    """Write the plan into the current schema; returns what was written, for the audit."""
    today = timezone.localdate()
    authorised, refused = decided_states()
    prefix = PREFIX.format(code=plan.code)
    entries = [e for e in plan.entries if e.decided <= today]
    with transaction.atomic():
        people = []
        for i, entry in enumerate(entries):
            last_contact = min(today, entry.early_end or entry.end())
            people.append(
                person_build(
                    i,
                    f"{prefix}{i + 1:04d}",
                    association_ids[i % len(association_ids)],
                    last_contact,
                )
            )
        for j, refusal in enumerate(plan.refusals, len(entries)):
            people.append(
                person_build(
                    j,
                    f"{prefix}{j + 1:04d}",
                    association_ids[j % len(association_ids)],
                    refusal.decided,
                )
            )
        people = Person.objects.bulk_create(people)
        pathways = [
            _pathway(person, entry, i, today)
            for i, (person, entry) in enumerate(zip(people, entries, strict=False))
        ]
        pathways += [
            Pathway(person=person, status=PathwayStatus.REFUSED)
            for person in people[len(entries) :]
        ]
        pathways = Pathway.objects.bulk_create(pathways)
        dossiers: list[Dossier] = []
        for i, (pathway, entry) in enumerate(zip(pathways, entries, strict=False)):
            for number, start in enumerate(entry.period_starts(), 1):
                if start > today or (entry.early_end and start > entry.early_end):
                    break
                submitted = (
                    entry.submitted if number == 1 else start - dt.timedelta(days=30 + i % 25)
                )
                dossiers.append(
                    Dossier(
                        pathway=pathway,
                        person_id=pathway.person_id,
                        association_id=people[i].association_id,
                        kind=DossierKind.FIRST_REQUEST if number == 1 else DossierKind.RENEWAL,
                        number=number,
                        workflow_variant_id=variant_id,
                        state=authorised,
                        submitted_at=_aware(submitted),
                        commission_avis=Avis.FAVOURABLE,
                        commission_avis_on=start - dt.timedelta(days=7 + i % 5),
                        closed_at=_aware(start),
                        decision=Decision.AUTHORISED,
                        decided_at=_aware(start),
                        start_on=start,
                    )
                )
        for j, (pathway, refusal) in enumerate(
            zip(pathways[len(entries) :], plan.refusals, strict=True)
        ):
            dossiers.append(
                Dossier(
                    pathway=pathway,
                    person_id=pathway.person_id,
                    association_id=people[len(entries) + j].association_id,
                    kind=DossierKind.FIRST_REQUEST,
                    number=1,
                    workflow_variant_id=variant_id,
                    state=refused,
                    extra={"refusal_grounds": sorted({_GROUNDS[j % 4], "no_complaint"})},
                    submitted_at=_aware(refusal.submitted),
                    commission_avis=Avis.UNFAVOURABLE,
                    commission_avis_on=refusal.decided - dt.timedelta(days=9),
                    closed_at=_aware(refusal.decided),
                    decision=Decision.REFUSED,
                    decided_at=_aware(refusal.decided),
                )
            )
        dossiers = Dossier.objects.bulk_create(dossiers)
        early = {p.pk: e.early_end for p, e in zip(pathways, entries, strict=False)}
        periods = []
        for d in dossiers:
            if d.start_on is None:
                continue
            ends_on = d.start_on + relativedelta(months=6) - dt.timedelta(days=1)
            end_early = early.get(d.pathway_id)
            periods.append(
                Period(
                    pathway_id=d.pathway_id,
                    dossier=d,
                    number=d.number,
                    starts_on=d.start_on,
                    ends_on=ends_on,
                    ended_early_on=end_early
                    if end_early and d.start_on <= end_early <= ends_on
                    else None,
                )
            )
        Period.objects.bulk_create(periods)
        rights = _rights(pathways, entries, today)
        Right.objects.bulk_create(rights)
        written = {
            "entries": len(entries),
            "refusals": len(plan.refusals),
            "files": len(dossiers),
            "periods": len(periods),
            "rights": len(rights),
        }
        audit_record(
            action="statistics.seeded",
            object_type="departement",
            object_id=plan.code,
            data={"history": "2021-2024", **written},
        )
    return written


def _pathway(person: Person, entry: Entry, i: int, today: dt.date) -> Pathway:
    if entry.early_end is not None and entry.early_end <= today:
        return Pathway(
            person=person,
            status=PathwayStatus.ENDED_EARLY,
            ended_on=entry.early_end,
            end_reason="Engagements du parcours non tenus malgré deux entretiens de suivi.",
        )
    left = entry.end() + dt.timedelta(days=1)
    if left <= today:
        return Pathway(
            person=person,
            status=PathwayStatus.COMPLETED if entry.periods == 4 else PathwayStatus.EXITED,
            exited_on=left,
            exit_outcome=_OUTCOMES[i % len(_OUTCOMES)],
        )
    return Pathway(person=person, status=PathwayStatus.ACTIVE)


def _rights(pathways: list[Pathway], entries: list[Entry], today: dt.date) -> list[Right]:
    """The AFIS from the first day of the pathway (decided with it) to its end, stopped the
    month after an early end; other rights a few weeks into the pathway."""
    rights = []
    for i, (pathway, entry) in enumerate(zip(pathways, entries, strict=False)):
        end = entry.end()
        if entry.early_end is not None:
            end = entry.early_end.replace(day=1) + relativedelta(months=1)
        if entry.afis:
            rights.append(
                Right(
                    person_id=pathway.person_id,
                    pathway=pathway,
                    right_type="afis",
                    status=RightStatus.GRANTED,
                    requested_on=entry.submitted,
                    granted_on=entry.decided,
                    ends_on=end if end < today else None,
                )
            )
        for right_type, per_20 in _RIGHTS_PER_20.items():
            if (i * 3 + len(right_type)) % 20 >= per_20:
                continue
            granted = entry.decided + dt.timedelta(days=20 + (i * 7 + len(right_type)) % 40)
            if granted > min(today, end):
                continue
            rights.append(
                Right(
                    person_id=pathway.person_id,
                    pathway=pathway,
                    right_type=right_type,
                    status=RightStatus.GRANTED,
                    requested_on=granted - dt.timedelta(days=10),
                    granted_on=granted,
                )
            )
    return rights
