"""Case work at 10 times Paris's 2024 volume: the coordinator's queue, a file, the file list API.

Paris had 148 persons in a PSP at the end of 2024 (shared/domain.md); this seeds 1,500 persons
with their full history (pathways, first requests and renewals, periods, timelines, evaluations,
projects, pieces) in département 75, then times, in process through Django's handler with the
real middleware, each page or endpoint N times and reports median, p95 and the query count.
Target: under 100 ms median each, and a query count that does not depend on the volume.

Run: `make bench` (all benchmarks) or
`infra/dev/with_services.py .venv/bin/python benchmarks/casework.py [--persons 1500] [--requests 200]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import banner, median, percentile, setup_django, table

DATABASE = "parcours_bench_casework"


def seed(*, persons: int) -> dict[str, int]:
    """Bulk-insert a realistic history; returns row counts."""
    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    from parcours.accounts.models import Membership, Role, User
    from parcours.associations.models import Association
    from parcours.db import connection
    from parcours.departements.provisioning import tenant_provision
    from parcours.referentiel.models import Departement
    from parcours.workflows.services import current_variant
    from tenants.agrements.models import Agrement, AgrementStatus
    from tenants.casework.crypto import encrypt_json
    from tenants.casework.models import (
        Document,
        Dossier,
        DossierEvent,
        InsertionProject,
        NeedsEvaluation,
        Pathway,
        PathwayStatus,
        Period,
        Person,
    )

    rng = random.Random(2024)
    tenant = tenant_provision(code="75").tenant
    variant = current_variant(tenant=tenant)
    association = Association.objects.create(
        name="Association de référence",
        rna="W751999999",
        declared_on=dt.date(2005, 1, 1),
        head_office_departement=Departement.objects.get(code="75"),
    )
    for role, email in (
        (Role.COORDINATOR, "coordination@bench"),
        (Role.ASSOCIATION_WORKER, "association@bench"),
    ):
        user = User.objects.create_user(email=email, password=None)
        Membership.objects.create(
            user=user,
            tenant=tenant,
            role=role,
            association=association if role == Role.ASSOCIATION_WORKER else None,
        )
    connection.set_tenant(tenant)
    today = timezone.localdate()
    Agrement.objects.create(
        association=association,
        status=AgrementStatus.APPROVED,
        requested_on=today - relativedelta(years=1),
        valid_from=today - relativedelta(months=10),
        valid_until=today + relativedelta(years=2),
    )
    workflow = variant.workflow
    people = []
    for i in range(persons):
        pseudonym = f"PSP-75-2025-{i + 1:04d}"
        people.append(
            Person(
                pseudonym=pseudonym,
                association=association,
                children_count=rng.randint(0, 3),
                identity_encrypted=encrypt_json(
                    {"first_name": f"Prénom{i}", "last_name": f"Nom{i}"},
                    purpose=f"person:{pseudonym}:identity",
                ),
            )
        )
    Person.objects.bulk_create(people, batch_size=500)
    people = list(Person.objects.order_by("id"))
    in_progress = ["draft", "submitted", "incomplete", "complete", "scheduled", "avis_given"]
    pathways, plans = [], []
    for person in people:
        roll = rng.random()
        if roll < 0.65:
            plan = ["authorised"] * rng.randint(1, 4)
        elif roll < 0.75:
            plan = ["refused"]
        else:
            plan = (["authorised"] * rng.randint(0, 2)) + [rng.choice(in_progress)]
        status = (
            PathwayStatus.ACTIVE
            if "authorised" in plan
            else (PathwayStatus.REFUSED if plan == ["refused"] else PathwayStatus.REQUESTED)
        )
        pathways.append(Pathway(person=person, status=status))
        plans.append(plan)
    Pathway.objects.bulk_create(pathways, batch_size=500)
    dossiers = []
    for pathway, plan in zip(pathways, plans, strict=True):
        for number, state in enumerate(plan, start=1):
            submitted = (
                None
                if state == "draft"
                else timezone.now() - dt.timedelta(days=rng.randint(10, 700))
            )
            dossiers.append(
                Dossier(
                    pathway=pathway,
                    person=pathway.person,
                    association=association,
                    kind="first_request" if number == 1 else "renewal",
                    number=number,
                    workflow_variant=variant,
                    state=state,
                    submitted_at=submitted,
                    association_avis="favourable",
                    association_avis_motivation="Projet solide et suivi régulier.",
                    commission_avis="favourable" if state in {"authorised", "avis_given"} else "",
                    decision=state if state in {"authorised", "refused"} else "",
                )
            )
    Dossier.objects.bulk_create(dossiers, batch_size=500)
    events, periods, evaluations, projects, documents = [], [], [], [], []
    path = ["submit", "declare_complete", "schedule", "record_commission_avis"]
    start = today - relativedelta(months=30)
    for dossier in dossiers:
        steps = {
            "draft": 0,
            "submitted": 1,
            "incomplete": 2,
            "complete": 2,
            "scheduled": 3,
            "avis_given": 4,
            "authorised": 5,
            "refused": 5,
        }[dossier.state]
        names = [*path, "authorise" if dossier.state == "authorised" else "refuse"][:steps]
        state = "draft"
        for name in names:
            target = workflow.transitions[name].target
            events.append(
                DossierEvent(
                    dossier=dossier,
                    transition=name,
                    from_state=state,
                    to_state=target,
                    actor_role="coordinator",
                )
            )
            state = target
        if dossier.state == "authorised":
            begins = start + relativedelta(months=6 * (dossier.number - 1))
            periods.append(
                Period(
                    pathway=dossier.pathway,
                    dossier=dossier,
                    number=dossier.number,
                    starts_on=begins,
                    ends_on=begins + relativedelta(months=6) - dt.timedelta(days=1),
                )
            )
        for domain in ("sante", "social", "professionnel"):
            evaluations.append(
                NeedsEvaluation(
                    dossier=dossier,
                    domain=domain,
                    evaluated_on=today - dt.timedelta(days=40),
                    items=[{"code": "suivi", "label": "Suivi", "need": True}],
                    signed_off_at=timezone.now(),
                )
            )
        projects.append(
            InsertionProject(
                dossier=dossier,
                goals={"logement": ["Logement social"]},
                commitments="Engagements",
                signed_on=today,
            )
        )
        for code in (
            "request_form",
            "identity",
            "sworn_statement",
            "situation",
            "approval_order",
            "insertion_project",
        ):
            documents.append(
                Document(
                    person=dossier.person,
                    dossier=dossier,
                    doc_type=code,
                    storage_name=f"bench-{dossier.pk}-{code}.pdf",
                    content_type="application/pdf",
                    size=1000,
                    sha256="0" * 64,
                )
            )
    for model, rows in (
        (DossierEvent, events),
        (Period, periods),
        (NeedsEvaluation, evaluations),
        (InsertionProject, projects),
        (Document, documents),
    ):
        model.objects.bulk_create(rows, batch_size=1000)
    counts = {
        "persons": len(people),
        "dossiers": len(dossiers),
        "events": len(events),
        "periods": len(periods),
        "evaluations": len(evaluations),
        "documents": len(documents),
    }
    connection.set_schema_to_public()
    return counts


def measure(*, requests: int) -> list[list[object]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from parcours.accounts.models import User
    from tenants.casework.models import Dossier

    rng = random.Random(7)
    client = Client(HTTP_HOST="75.localhost")
    client.force_login(User.objects.get(email="coordination@bench"))
    connection.set_schema("dep_75")
    ids = list(Dossier.objects.values_list("id", flat=True))
    connection.set_schema_to_public()
    targets = {
        "coordinator's queue page (/dossiers/)": lambda: "/dossiers/",
        "queue filtered and sorted by waiting time": lambda: (
            "/dossiers/?etat=submitted&tri=attente"
        ),
        "file page (/dossiers/<id>/, random file)": lambda: f"/dossiers/{rng.choice(ids)}/",
        "file list API (/api/v1/dossiers/)": lambda: "/api/v1/dossiers/",
        "file API (/api/v1/dossiers/<id>/)": lambda: f"/api/v1/dossiers/{rng.choice(ids)}/",
    }
    rows = []
    for label, url in targets.items():
        for _ in range(20):  # warm-up: connection, host map, templates
            assert client.get(url()).status_code == 200
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url())
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (label, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url())
        rows.append(
            [
                label,
                requests,
                f"{median(timings):.1f}",
                f"{percentile(timings, pct=95):.1f}",
                len(queries),
                "MET" if median(timings) < 100 else "NOT MET",
            ]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1500)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_django(name=DATABASE)
    print(
        banner(
            f"Case work at 10x Paris 2024: {args.persons} persons with full history, département 75"
        )
    )
    started = time.perf_counter()
    counts = seed(persons=args.persons)
    print(
        f"seeded in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
    )
    rows = measure(requests=args.requests)
    print(
        table(
            headers=[
                "page or endpoint",
                "requests",
                "median ms",
                "p95 ms",
                "SQL queries",
                "< 100 ms median",
            ],
            rows=rows,
        )
    )
    print(
        "query counts are per request and do not grow with the volume (tests assert them on small data)"
    )


if __name__ == "__main__":
    main()
