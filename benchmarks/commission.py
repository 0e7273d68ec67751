"""A commission session of 40 files with 20 members: building the agenda, the live session screen,
the minutes and the annual report PDFs.

Targets: agenda and session screen under 150 ms median; each PDF under 3 s.
Run: `make bench`, or `infra/dev/with_services.py .venv/bin/python benchmarks/commission.py`.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import banner, median, percentile, setup_django, table

DATABASE = "parcours_bench_commission"


def main() -> None:
    setup_django(name=DATABASE)
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from parcours.accounts.models import Membership, Role, User
    from parcours.accounts.permissions import access_of
    from parcours.associations.models import Association
    from parcours.db import connection
    from parcours.departements.provisioning import tenant_provision
    from parcours.referentiel.models import Departement
    from parcours.workflows.services import current_variant
    from tenants.casework.crypto import encrypt_json
    from tenants.casework.models import Dossier, Pathway, Person
    from tenants.commission import services
    from tenants.commission.models import Presence, Session
    from tenants.commission.tasks import minutes_pdf
    from tenants.pilotage.tasks import generate_activity_report

    print(banner("Commission: a session of 40 files and 20 members"))
    tenant = tenant_provision(code="31").tenant
    variant = current_variant(tenant=tenant)
    association = Association.objects.create(
        name="Association",
        rna="W311999999",
        declared_on=dt.date(2005, 1, 1),
        head_office_departement=Departement.objects.get(code="31"),
    )
    coordinator_user = User.objects.create_user(email="coordination@bench", password=None)
    Membership.objects.create(user=coordinator_user, tenant=tenant, role=Role.COORDINATOR)
    connection.set_tenant(tenant)
    coordinator = access_of(user_id=coordinator_user.pk, tenant=tenant)
    colleges = [
        "magistrat",
        "ddets",
        "police_securite_publique",
        "police_judiciaire",
        "gendarmerie",
        "service_etrangers",
        "emploi",
        "education",
        "medecin",
        "collectivites",
    ]
    start = timezone.localdate() - dt.timedelta(days=10)
    members = []
    for i in range(20):
        user = User.objects.create_user(email=f"membre{i}@bench", password=None)
        members.append(
            services.member_appoint(
                access=coordinator,
                user_id=user.pk,
                college=colleges[i % 10],
                arrete_reference="A",
                arrete_on=start,
                mandate_start=start,
                is_chair=i == 0,
            )
        )
    people = Person.objects.bulk_create(
        [
            Person(
                pseudonym=f"PSP-31-2026-{i:04d}",
                association=association,
                identity_encrypted=encrypt_json(
                    {"first_name": "X"}, purpose=f"person:PSP-31-2026-{i:04d}:identity"
                ),
            )
            for i in range(40)
        ]
    )
    pathways = Pathway.objects.bulk_create([Pathway(person=p) for p in people])
    dossiers = Dossier.objects.bulk_create(
        [
            Dossier(
                pathway=pw,
                person=pw.person,
                association=association,
                kind="first_request",
                number=1,
                workflow_variant=variant,
                state="complete",
                submitted_at=timezone.now(),
                association_avis="favourable",
                association_avis_motivation="Projet solide.",
            )
            for pw in pathways
        ]
    )
    session = services.session_schedule(
        access=coordinator, starts_at=timezone.now() + dt.timedelta(days=8)
    )
    started = time.perf_counter()
    for dossier in dossiers:
        services.agenda_add_file(access=coordinator, session_id=session.pk, dossier_id=dossier.pk)
    build = time.perf_counter() - started
    services.session_convene(access=coordinator, session_id=session.pk)
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now())
    Dossier.objects.update(session_on=timezone.localdate())
    for member in members[:16]:
        services.attendance_record(
            access=coordinator,
            session_id=session.pk,
            member_id=member.pk,
            presence=Presence.IN_PERSON,
        )
    services.session_open(access=coordinator, session_id=session.pk)
    items = list(session.items.order_by("position"))
    for item in items[:20]:
        for member in members[:16]:
            services.vote_cast(
                access=coordinator, item_id=item.pk, member_id=member.pk, choice="favourable"
            )
        services.item_close(access=coordinator, item_id=item.pk)
    connection.set_schema_to_public()

    client = Client(HTTP_HOST="31.localhost")
    client.force_login(coordinator_user)
    url = f"/commission/seances/{session.pk}/"
    for _ in range(5):
        assert client.get(url).status_code == 200
    timings = []
    for _ in range(40):
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    connection.set_tenant(tenant)
    session.refresh_from_db()
    pdf_times = []
    for _ in range(3):
        started = time.perf_counter()
        minutes_pdf(session=session)
        pdf_times.append(time.perf_counter() - started)
    report_times = []
    for _ in range(3):
        started = time.perf_counter()
        generate_activity_report(year=timezone.localdate().year)
        report_times.append(time.perf_counter() - started)
    rows = [
        [
            "build the agenda (40 files, each scheduled through the workflow)",
            f"{build * 1000 / 40:.1f} ms per file",
            f"{build:.2f} s in all",
            "-",
            "MET" if build * 1000 / 40 < 150 else "NOT MET",
        ],
        [
            "live session screen (40 items, 20 members, 20 items voted)",
            f"{median(timings):.1f} ms",
            f"p95 {percentile(timings, pct=95):.1f} ms",
            len(queries),
            "MET" if median(timings) < 150 else "NOT MET",
        ],
        [
            "minutes PDF",
            f"{median(pdf_times):.2f} s",
            f"max {max(pdf_times):.2f} s",
            "-",
            "MET" if max(pdf_times) < 3 else "NOT MET",
        ],
        [
            "annual activity report PDF",
            f"{median(report_times):.2f} s",
            f"max {max(report_times):.2f} s",
            "-",
            "MET" if max(report_times) < 3 else "NOT MET",
        ],
    ]
    print(table(headers=["what", "median", "spread", "SQL queries", "target"], rows=rows))


if __name__ == "__main__":
    main()
