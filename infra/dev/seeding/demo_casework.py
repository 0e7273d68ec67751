"""Demo files for `make run`: fictional persons at every step of the pathway, built through the
same domain functions as the pages, so the demo shows what the platform really does."""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from tenants.commission.models import Member


def demo_pdf() -> bytes:
    """A real one-page PDF: pieces are refused unless they parse as one."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Pièce de démonstration"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


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
# The second approved association of Haute-Garonne: files examined at the same session.
ARIANE_NAMES = [
    ("Fatou", "Sow", "SEN"),
    ("Lina", "Haddad", "MAR"),
    ("Rose", "Nkemelu", "NGA"),
    ("Nadia", "Ionescu", "ROU"),
    ("Céline", "Durand", "FRA"),
    ("Ada", "Obi", "NGA"),
    ("Maria", "Petrova", "BGR"),
    ("Aya", "Koné", "CIV"),
    ("Sofia", "Lopes", "BRA"),
]
# How far each demo file goes: the last transition fired, in order ("created": none yet;
# "prepared": evaluations, project, pieces and the association's avis, not yet submitted).
# Named by transitions, never by states: the states are the workflow definition's.
STAGES = [
    "created",
    "prepared",
    "submit",
    "request_missing_items",
    "declare_complete",
    "schedule",
    "record_commission_avis",
    "authorise",
    "refuse",
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


def demo_files(
    *, tenant: Tenant, worker_email: str, names: list[tuple[str, str, str]] = NAMES
) -> dict[int, str]:
    """One person of `names` at each step, prepared by the worker's association: up to
    "declare_complete" here; the commission's steps and the decisions follow in `demo_commission`, from
    a session. Returns the stage each file is meant to reach; nothing if the association already
    has persons here."""
    connection.set_tenant(tenant)
    try:
        worker = _access(worker_email, tenant)
        assert Role.ASSOCIATION_WORKER in worker.roles
        if Person.objects.filter(association_id__in=worker.association_ids).exists():
            return {}
        coordinator = _access(f"coordination.{tenant.code}@parcours.test", tenant)
        today = timezone.localdate()
        stages: dict[int, str] = {}
        for (first, last, nationality), stage in zip(names, STAGES, strict=False):
            person = person_create(
                access=worker,
                identity={
                    "first_name": first,
                    "last_name": last,
                    "sex": "F",
                    "nationality": nationality,
                    "birth_date": "1991-06-15",
                },
                children_count=len(last) % 3,
                languages=["fr"],
            )
            dossier = dossier_create(access=worker, person_id=person.pk, kind="first_request")
            stages[dossier.pk] = stage
            if stage == "created":
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
                    access=worker, dossier_id=dossier.pk, doc_type=document.code, data=demo_pdf()
                )
            association_avis_record(
                access=worker,
                dossier_id=dossier.pk,
                avis="favourable",
                motivation="Projet construit avec la personne, engagement constant.",
            )
            if stage == "prepared":
                continue
            _fire(worker, dossier.pk, "submit")
            if stage == "submit":
                continue
            if stage == "request_missing_items":
                _fire(
                    coordinator,
                    dossier.pk,
                    "request_missing_items",
                    comment="Justificatif de domicile manquant.",
                )
                continue
            _fire(coordinator, dossier.pk, "declare_complete")
        return stages
    finally:
        connection.set_schema_to_public()


# The commissions as composed by the préfets' arrêtés: (college, title, has a substitute). The
# Haute-Garonne order names 19 members; the other two are plausible compositions. The chair (the
# préfet) comes first; demo accounts that sign in are matched by their title.
COMPOSITIONS: dict[str, list[tuple[str, str, bool]]] = {
    "31": [
        ("ddets", "Préfet de la Haute-Garonne (président)", False),
        ("ddets", "Directrice départementale de l'emploi, du travail et des solidarités", True),
        ("ddets", "Déléguée départementale aux droits des femmes", True),
        ("magistrat", "Procureur de la République près le TJ de Toulouse", True),
        ("magistrat", "Juge désignée par la cour d'appel de Toulouse", False),
        ("police_securite_publique", "Directeur départemental de la sécurité publique", True),
        ("police_judiciaire", "Chef de la division de la criminalité organisée (SRPJ)", True),
        ("gendarmerie", "Commandant du groupement de gendarmerie", True),
        ("service_etrangers", "Cheffe du bureau des étrangers de la préfecture", True),
        ("emploi", "Directeur de l'unité départementale travail-emploi", False),
        ("emploi", "Directrice territoriale de France Travail", False),
        ("education", "Directeur académique des services de l'Éducation nationale", True),
        ("medecin", "Médecin désigné par le conseil départemental de l'ordre", True),
        ("collectivites", "Vice-présidente du conseil départemental", True),
        ("collectivites", "Adjointe au maire de Toulouse", True),
        ("collectivites", "Conseiller de Toulouse Métropole", False),
        ("associations", "Issue de Secours (démo)", True),
        ("associations", "Le Fil d'Ariane (démo)", True),
        ("protection_enfance", "Directrice de l'enfance et de la famille du département", False),
    ],
    "75": [
        ("ddets", "Préfet de la région d'Île-de-France, préfet de Paris (président)", False),
        ("ddets", "Directrice régionale et interdépartementale (DRIEETS)", True),
        ("ddets", "Déléguée départementale aux droits des femmes", True),
        ("magistrat", "Procureure de la République près le TJ de Paris", True),
        ("police_securite_publique", "Préfecture de police, sécurité de proximité", True),
        ("police_judiciaire", "Brigade de protection des mineurs", True),
        ("service_etrangers", "Préfecture de police, service des étrangers", True),
        ("emploi", "France Travail Paris", False),
        ("education", "Rectorat de Paris", False),
        ("medecin", "Médecin désigné par l'ordre des médecins de Paris", True),
        ("collectivites", "Ville de Paris, mission égalité", True),
        ("associations", "Passerelles Île-de-France (démo)", True),
        ("protection_enfance", "Aide sociale à l'enfance de Paris", False),
    ],
    "13": [
        ("ddets", "Préfet des Bouches-du-Rhône (président)", False),
        ("ddets", "Directeur départemental de l'emploi, du travail et des solidarités", True),
        ("ddets", "Déléguée départementale aux droits des femmes", False),
        ("magistrat", "Procureure de la République près le TJ de Marseille", True),
        ("police_securite_publique", "Directeur interdépartemental de la police nationale", True),
        ("gendarmerie", "Commandant du groupement de gendarmerie", True),
        ("service_etrangers", "Bureau des étrangers de la préfecture", False),
        ("medecin", "Médecin désigné par l'ordre des médecins", True),
        ("collectivites", "Conseil départemental des Bouches-du-Rhône", True),
        ("collectivites", "Ville de Marseille", False),
        ("associations", "Issue de Secours (démo)", True),
    ],
}
# Demo accounts who sign in as members take these seats (by position in the composition).
SIGNING_IN = {1: "membre.ddets", 5: "membre.police", 12: "membre.medecin"}
FIRST = ["Anne", "Bruno", "Carole", "David", "Émilie", "Franck", "Gaëlle", "Hugo", "Inès", "Jean"]
LAST = ["Garcia", "Lefebvre", "Roux", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert"]


def _seat_user(tenant: Tenant, position: int, substitute: bool) -> User:
    from parcours.accounts.services import user_create

    if not substitute and position == 0:
        return User.objects.get(email=f"prefet.{tenant.code}@parcours.test")
    if not substitute and position in SIGNING_IN:
        return User.objects.get(email=f"{SIGNING_IN[position]}.{tenant.code}@parcours.test")
    email = f"{'suppleant' if substitute else 'membre'}.{position:02d}.{tenant.code}@parcours.test"
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        return existing
    n = position * 2 + substitute
    return user_create(
        email=email,
        first_name=FIRST[n % len(FIRST)],
        last_name=LAST[(n // len(FIRST) + position) % len(LAST)],
        password=None,  # they sign in by resetting their password; the demo needs three only
        actor_id=None,
    )


def demo_commission(*, tenant: Tenant, stages: dict[int, str]) -> None:
    """The département's commission as appointed, one session held today with attendance,
    proxies, a declared interest and votes (the avis of the files in `stages` that go that far),
    the préfet's decisions, and the next session convened with the files scheduled for it.
    Nothing if the département already has members."""
    from parcours.associations.models import Association
    from tenants.commission import services
    from tenants.commission.models import Member

    connection.set_tenant(tenant)
    try:
        if Member.objects.exists():
            return
        coordinator = _access(f"coordination.{tenant.code}@parcours.test", tenant)
        prefet = _access(f"prefet.{tenant.code}@parcours.test", tenant)
        start = timezone.localdate() - dt.timedelta(days=200)
        arrete = f"Arrêté préfectoral {tenant.code}-{start:%Y}-CDLP"
        associations = {a.name: a.pk for a in Association.objects.all()}
        seats: list[tuple[Member, Member | None]] = []
        for position, (college, title, has_substitute) in enumerate(COMPOSITIONS[tenant.code]):
            association_id = associations.get(title) if college == "associations" else None
            titular = services.member_appoint(
                access=coordinator,
                user_id=_seat_user(tenant, position, False).pk,
                college=college,
                arrete_reference=arrete,
                arrete_on=start,
                mandate_start=start,
                association_id=association_id,
                is_chair=position == 0,
            )
            substitute = None
            if has_substitute:
                substitute = services.member_appoint(
                    access=coordinator,
                    user_id=_seat_user(tenant, position, True).pk,
                    college=college,
                    arrete_reference=arrete,
                    arrete_on=start,
                    mandate_start=start,
                    titular_id=titular.pk,
                    association_id=association_id,
                )
            seats.append((titular, substitute))
        connection.set_tenant(tenant)
        seats_by_college: dict[str, int] = {}
        for college, _, _ in COMPOSITIONS[tenant.code]:
            seats_by_college[college] = seats_by_college.get(college, 0) + 1
        for college, count in seats_by_college.items():
            services.college_setting_save(
                access=coordinator, college=college, titular_seats=count, may_see_health=False
            )
        by_stage: dict[str, list[int]] = {}
        for dossier_id, stage in stages.items():
            by_stage.setdefault(stage, []).append(dossier_id)
        examined = [
            d
            for stage in ("record_commission_avis", "authorise", "refuse")
            for d in by_stage.get(stage, [])
        ]
        if examined:
            _hold_session(coordinator=coordinator, seats=seats, dossier_ids=examined, stages=stages)
        for dossier_id in by_stage.get("authorise", []):
            _fire(prefet, dossier_id, "authorise", start_on=timezone.localdate().isoformat())
        for dossier_id in by_stage.get("refuse", []):
            _fire(
                prefet,
                dossier_id,
                "refuse",
                grounds=["project_insufficient"],
                motivation="Le projet d'insertion ne précise ni les démarches de logement ni les soins.",
            )
        upcoming = services.session_schedule(
            access=coordinator,
            starts_at=timezone.now() + dt.timedelta(days=8),
            place="Préfecture, salle du conseil",
        )
        for dossier_id in by_stage.get("schedule", []):
            services.agenda_add_file(
                access=coordinator, session_id=upcoming.pk, dossier_id=dossier_id
            )
        services.agenda_add_policy(
            access=coordinator,
            session_id=upcoming.pk,
            title="Point sur la stratégie départementale",
        )
        services.session_convene(access=coordinator, session_id=upcoming.pk)
    finally:
        connection.set_schema_to_public()


def _hold_session(
    *,
    coordinator: Access,
    seats: list[tuple[Member, Member | None]],
    dossier_ids: list[int],
    stages: dict[int, str],
) -> None:
    """A session held today: about two seats in three present (some by their substitute, one by
    video), two proxies, a member who declares an interest; the association that prepared a file
    does not vote on it. The files end "avis given" (refused ones get an unfavourable vote)."""
    from tenants.commission import services
    from tenants.commission.models import Presence

    members = seats
    # Convened in urgency a minute ahead: the demo cannot wait the five days.
    session = services.session_schedule(
        access=coordinator,
        starts_at=timezone.now() + dt.timedelta(minutes=1),
        place="Préfecture, salle du conseil",
    )
    for dossier_id in dossier_ids:
        services.agenda_add_file(access=coordinator, session_id=session.pk, dossier_id=dossier_id)
    services.session_convene(
        access=coordinator,
        session_id=session.pk,
        urgent=True,
        urgent_reason="Séance de démonstration convoquée le jour même.",
    )
    services.session_open(access=coordinator, session_id=session.pk)
    present: list[Member] = []
    absent_with_proxy: list[Member] = []
    for position, (titular, substitute) in enumerate(members):
        if position % 3 != 2:
            presence = Presence.VIDEO if position == 4 else Presence.IN_PERSON
            services.attendance_record(
                access=coordinator,
                session_id=session.pk,
                member_id=titular.pk,
                presence=presence,
            )
            present.append(titular)
        elif substitute is not None and position % 2 == 0:
            services.attendance_record(
                access=coordinator,
                session_id=session.pk,
                member_id=titular.pk,
                presence=Presence.ABSENT,
            )
            services.attendance_record(
                access=coordinator,
                session_id=session.pk,
                member_id=substitute.pk,
                presence=Presence.IN_PERSON,
            )
            present.append(substitute)
        else:
            absent_with_proxy.append(titular)
    for giver, holder in zip(absent_with_proxy[:2], present[1:3], strict=False):
        services.attendance_record(
            access=coordinator,
            session_id=session.pk,
            member_id=giver.pk,
            presence=Presence.ABSENT,
            proxy_to_id=holder.pk,
        )
    for giver in absent_with_proxy[2:]:
        services.attendance_record(
            access=coordinator, session_id=session.pk, member_id=giver.pk, presence=Presence.ABSENT
        )
    items = list(session.items.select_related("dossier").order_by("position"))
    for n, item in enumerate(items):
        if n == 0 and len(present) > 3:
            services.conflict_declare(
                access=coordinator,
                item_id=item.pk,
                member_id=present[3].pk,
                reason="A suivi la personne dans le cadre de ses fonctions",
            )
        refused = stages.get(item.dossier_id or 0) == "refuse"
        for k, member_id in enumerate(services.voters(item=item)):
            choice = (
                "abstention" if k % 7 == 6 else ("favourable" if k % 5 != 4 else "unfavourable")
            )
            if refused:
                choice = "unfavourable" if k % 5 != 4 else "favourable"
            services.vote_cast(
                access=coordinator, item_id=item.pk, member_id=member_id, choice=choice
            )
        services.item_close(access=coordinator, item_id=item.pk)
    services.session_close(access=coordinator, session_id=session.pk)
