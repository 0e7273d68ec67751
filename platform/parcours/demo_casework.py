"""Demo files for `make run`: fictional persons at every step of the pathway, built through the
same domain functions as the pages, so the demo shows what the platform really does."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from parcours.accounts.models import Role, User
from parcours.accounts.permissions import Access, access_of
from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.casework.models import NeedsDomain, Person
from tenants.casework.services import (
    TransitionRequest,
    association_avis_record,
    document_upload,
    dossier_create,
    dossier_transition,
    evaluation_record,
    person_create,
    project_record,
)

DEMO_PDF = b"%PDF-1.4\n% Parcours demo piece\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NAMES = [
    ("Amina", "Diallo", "NGA"),
    ("Elena", "Popescu", "ROU"),
    ("Joy", "Okafor", "NGA"),
    ("Mei", "Chen", "CHN"),
    ("Sara", "Benali", "MAR"),
    ("Ioana", "Marin", "ROU"),
    ("Blessing", "Eze", "NGA"),
    ("Julie", "Martin", "FRA"),
    ("Grace", "Mensah", "GHA"),
]
# How far each demo file goes: the last transition fired, in order.
STAGES = [
    "draft",
    "ready",
    "submitted",
    "incomplete",
    "complete",
    "scheduled",
    "avis_given",
    "authorised",
    "refused",
]


def _access(email: str, tenant: Tenant) -> Access:
    return access_of(user_id=User.objects.get(email=email).pk, tenant=tenant)


def _fire(access: Access, dossier_id: int, name: str, **data: object) -> None:
    comment = str(data.pop("comment", ""))
    dossier_transition(
        access=access,
        dossier_id=dossier_id,
        request=TransitionRequest(name=name, data=data, comment=comment),
    )


def demo_files(*, tenant: Tenant, worker_email: str) -> int:
    """Nine persons in `tenant`, one at each step; nothing if the département has persons."""
    connection.set_tenant(tenant)
    try:
        if Person.objects.exists():
            return 0
        worker = _access(worker_email, tenant)
        coordinator = _access(f"coordination.{tenant.code}@parcours.test", tenant)
        prefet = _access(f"prefet.{tenant.code}@parcours.test", tenant)
        assert Role.ASSOCIATION_WORKER in worker.roles
        today = timezone.localdate()
        for (first, last, nationality), stage in zip(NAMES, STAGES, strict=True):
            person = person_create(
                access=worker,
                identity={
                    "first_name": first,
                    "last_name": last,
                    "nationality": nationality,
                    "birth_date": "1991-06-15",
                },
                children_count=len(last) % 3,
                languages=["fr"],
            )
            dossier = dossier_create(access=worker, person_id=person.pk, kind="first_request")
            if stage == "draft":
                continue
            for domain in NeedsDomain.values:
                evaluation_record(
                    access=worker,
                    dossier_id=dossier.pk,
                    domain=domain,
                    items=[{"code": "accompagnement", "label": "Accompagnement", "need": True}],
                    notes="",
                    evaluated_on=today - dt.timedelta(days=3),
                    sign_off=True,
                )
            project_record(
                access=worker,
                dossier_id=dossier.pk,
                goals={"logement": ["Accéder à un logement"]},
                commitments="Suivre l'accompagnement proposé.",
                signed_on=today - dt.timedelta(days=2),
            )
            for document in dossier.workflow_variant.workflow.required_documents("first_request"):
                document_upload(
                    access=worker, dossier_id=dossier.pk, doc_type=document.code, data=DEMO_PDF
                )
            association_avis_record(
                access=worker,
                dossier_id=dossier.pk,
                avis="favourable",
                motivation="Projet construit avec la personne, engagement constant.",
            )
            if stage == "ready":
                continue
            _fire(worker, dossier.pk, "submit")
            if stage == "submitted":
                continue
            if stage == "incomplete":
                _fire(
                    coordinator,
                    dossier.pk,
                    "request_missing_items",
                    comment="Justificatif de domicile manquant.",
                )
                continue
            _fire(coordinator, dossier.pk, "declare_complete")
            if stage == "complete":
                continue
            _fire(coordinator, dossier.pk, "schedule", session_on=today.isoformat())
            if stage == "scheduled":
                continue
            _fire(
                coordinator,
                dossier.pk,
                "record_commission_avis",
                avis="favourable",
                votes_for=11,
                votes_against=2,
                abstentions=1,
            )
            if stage == "avis_given":
                continue
            if stage == "authorised":
                _fire(prefet, dossier.pk, "authorise", start_on=today.isoformat())
            else:
                _fire(
                    prefet,
                    dossier.pk,
                    "refuse",
                    grounds=["project_insufficient"],
                    motivation="Le projet d'insertion ne précise ni les démarches de logement ni les soins.",
                )
        return len(STAGES)
    finally:
        connection.set_schema_to_public()


def demo_commission(*, tenant: Tenant) -> None:
    """The demo commission: members from the demo accounts, a session convened with a file on
    its agenda; nothing if the département already has members."""
    from tenants.casework.models import Dossier
    from tenants.commission.models import Member
    from tenants.commission.services import (
        agenda_add_file,
        member_appoint,
        session_convene,
        session_schedule,
    )

    connection.set_tenant(tenant)
    try:
        if Member.objects.exists():
            return
        coordinator = _access(f"coordination.{tenant.code}@parcours.test", tenant)
        start = timezone.localdate() - dt.timedelta(days=60)
        appointments = [
            (f"prefet.{tenant.code}@parcours.test", "ddets", True),
            (f"membre.police.{tenant.code}@parcours.test", "police_securite_publique", False),
            (f"membre.ddets.{tenant.code}@parcours.test", "ddets", False),
            (f"membre.medecin.{tenant.code}@parcours.test", "medecin", False),
        ]
        for email, college, chair in appointments:
            member_appoint(
                access=coordinator,
                user_id=User.objects.get(email=email).pk,
                college=college,
                arrete_reference=f"Arrêté préfectoral {tenant.code}-{start:%Y}-CDLP",
                arrete_on=start,
                mandate_start=start,
                is_chair=chair,
            )
            connection.set_tenant(tenant)
        session = session_schedule(
            access=coordinator,
            starts_at=timezone.now() + dt.timedelta(days=8),
            place="Préfecture, salle du conseil",
        )
        for dossier in Dossier.objects.filter(state="complete"):
            agenda_add_file(access=coordinator, session_id=session.pk, dossier_id=dossier.pk)
        session_convene(access=coordinator, session_id=session.pk)
    finally:
        connection.set_schema_to_public()
