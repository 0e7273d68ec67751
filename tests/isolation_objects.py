"""Real objects of one département, one per kind a route can name by id, for the isolation tests.

`tests/test_isolation.py` attacks every route with an id in its address with a real object of
another département: the answer there must be "not found", and the same request in the object's
own département must be the route's ordinary answer (so "not found" is about the département,
not about an id that exists nowhere). Each kind is built by a domain function, as the product
builds it; each route says which kinds its parameters name (`ROUTE_OBJECTS`).

Ids are numbered per schema, so an object of 75 could share its id with one of 31 and the
attack would then reach 31's own object: `ids_beyond` moves the sequences of the building
schema past those of the attacked one first, and `Built` checks that no row of the attacked
schema has the id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone
from django_tenants.utils import schema_context

from parcours.departements.models import Tenant

# Parameters that name no object: a choice among fixed values, a year, a reference key.
NOT_OBJECTS = {
    "domain": "sante",  # a needs domain of the evaluation (NeedsDomain)
    "name": "submit",  # a transition of the workflow definition
    "year": "2025",  # the year of an activity report
    "key": "psp_period_months",  # a national legal parameter
    "code": "31",  # a département code (the space-switching route)
}


Body = Callable[["Built"], dict[str, Any]]


@dataclass(frozen=True)
class Probe:
    """How a route shows that its objects exist: `role`, of their département, sends `method`
    (with the body `body` builds) and gets `status` for real ids, 404 for ids of nothing."""

    kinds: dict[str, str]  # URL parameter → kind of object it names
    role: str
    status: int = 200
    method: str = "get"
    body: Body | None = None
    # A refusal about the object itself (its state) is an answer only a real object gets: the
    # text it must show then, where a redirect must otherwise land on no error.
    shows: str = ""
    also: tuple[str, ...] = ()  # kinds the body names besides those of the address


def _today() -> str:
    return timezone.localdate().isoformat()


def _pdf_upload(**fields: Any) -> Body:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return lambda built: {**fields, "file": SimpleUploadedFile("arrete.pdf", _pdf())}


def _piece(built: Built) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"doc_type": built.doc_type, "file": SimpleUploadedFile("piece.pdf", _pdf())}


def _withdraw(built: Built) -> dict[str, Any]:
    return {"action": "withdraw", "on": _today(), "detail": "Manquements graves constatés."}


W, C, P, D = "association_worker", "coordinator", "prefet", "dpo"
IN_PREPARATION = "quand le dossier est « En préparation par l"
DOSSIER = {"pk": "dossier"}
# Every tenant route with a parameter. A new route with an id must be added here, with the
# kind of object each parameter names (FACTORIES builds it) and the answer the route gives, in
# the object's own département, to a role that may act on it.
ROUTE_OBJECTS: dict[str, Probe] = {
    # Pages
    "frontend:dossier": Probe(DOSSIER, C),
    "frontend:dossier_upload": Probe(DOSSIER, W, 302, "post", _piece),
    "frontend:dossier_evaluation": Probe(DOSSIER, W),
    "frontend:dossier_project": Probe(DOSSIER, W),
    "frontend:dossier_avis": Probe(DOSSIER, W),
    "frontend:dossier_renewal": Probe(
        DOSSIER, W, 302, "post", shows="Un renouvellement suppose un parcours en cours."
    ),
    "frontend:pathway_action": Probe(
        DOSSIER,
        C,
        302,
        "post",
        lambda b: {"action": "exit", "on": _today(), "outcome": "emploi"},
        shows="Seul un parcours commencé peut se conclure par une sortie.",
    ),
    "frontend:document": Probe({"pk": "document"}, C),
    "frontend:right_update": Probe(
        DOSSIER,
        C,
        302,
        "post",
        lambda b: {"right_type": "afis", "status": "requested", "on": _today()},
        shows="Le suivi du droit est à jour.",
    ),
    "frontend:dossier_extra": Probe(DOSSIER, W),
    "frontend:action_new": Probe(DOSSIER, W),
    "frontend:action_edit": Probe({"pk": "dossier", "action_id": "project_action"}, W),
    "frontend:afis_transmit": Probe(
        DOSSIER,
        C,
        302,
        "post",
        lambda b: {"on": _today()},
        shows="Aucune AFIS accordée à transmettre.",
    ),
    "frontend:notification": Probe(
        DOSSIER,
        C,
        302,
        "post",
        lambda b: {"notified_on": _today(), "channel": "hand"},
        shows="Aucune décision à notifier pour ce dossier.",
    ),
    "frontend:pilotage_report": Probe({"pk": "report"}, C),
    "frontend:agrement_action": Probe({"pk": "agrement"}, C, 302, "post", _withdraw),
    "frontend:agrement_arrete": Probe({"pk": "agrement"}, C, 302, "post", _pdf_upload()),
    "frontend:agrement_arrete_pdf": Probe({"pk": "agrement"}, C),
    "frontend:member_arrete": Probe({"pk": "member"}, C, 302, "post", _pdf_upload()),
    "frontend:member_end": Probe(
        {"pk": "member"}, C, 302, "post", lambda b: {"ended_on": _today(), "reason": "resignation"}
    ),
    "frontend:member_arrete_pdf": Probe({"pk": "member"}, C),
    "frontend:commission_session": Probe({"pk": "session"}, C),
    "frontend:commission_session_action": Probe(
        {"pk": "session"},
        C,
        302,
        "post",
        lambda b: {"action": "add_policy", "title": "Un point"},
        shows="La séance est close.",
    ),
    "frontend:commission_schedule_file": Probe(
        {"dossier_pk": "dossier"},
        C,
        302,
        "post",
        lambda b: {"session": b.ids["planned_session"]},
        shows="quand le dossier est « En préparation",  # a draft: not yet to be scheduled
        also=("planned_session",),
    ),
    "frontend:commission_minutes": Probe({"pk": "session"}, C),
    "frontend:commission_convocation": Probe({"pk": "session"}, C),
    "frontend:privacy_person": Probe({"pk": "person"}, C),
    "frontend:privacy_export_request": Probe({"pk": "person"}, C, 302, "post"),
    "frontend:privacy_export_json": Probe({"pk": "access_export"}, C),
    "frontend:privacy_export_pdf": Probe({"pk": "access_export"}, C),
    # API
    "api:commission-member-end": Probe(
        {"pk": "member"}, C, 200, "post", lambda b: {"ended_on": _today(), "reason": "resignation"}
    ),
    "api:agrement-action": Probe({"pk": "agrement"}, C, 200, "post", _withdraw),
    "api:pilotage-strategy-action": Probe(
        {"axis": "axis"}, C, 200, "post", lambda b: {"title": "Maraudes", "owner": "DDETS"}
    ),
    "api:commission-session": Probe({"pk": "session"}, C),
    "api:commission-session-minutes": Probe({"pk": "session"}, C),
    "api:commission-session-convocation": Probe({"pk": "session"}, C),
    "api:commission-session-action": Probe(
        {"pk": "session"},
        C,
        400,
        "post",
        lambda b: {"action": "add_policy", "title": "Un point"},
        shows="La séance est close.",
    ),
    "api:commission-session-attendance": Probe(
        {"pk": "session"},
        C,
        400,
        "post",
        lambda b: {"rows": [{"member": 1, "presence": "in_person"}]},
        shows="La séance est close.",
    ),
    "api:commission-item-votes": Probe(
        {"pk": "session", "item_pk": "item"},
        C,
        400,
        "post",
        lambda b: {"rows": [{"member": 1, "choice": "favourable"}]},
        shows="On ne vote qu'en séance ouverte.",
    ),
    "api:person": Probe({"pk": "person"}, W),
    "api:dossier": Probe(DOSSIER, W),
    "api:dossier-transition": Probe(DOSSIER, W, 200, "post", lambda b: {}),
    # One route per transition of the national template, each with its own request schema; a
    # file still in preparation is refused by naming its state, which only a real file has.
    "api:dossier-transition-submit": Probe(DOSSIER, W, 200, "post", lambda b: {}),
    **{
        f"api:dossier-transition-{name}": Probe(
            DOSSIER, role, 400, "post", lambda b: {}, shows=IN_PREPARATION
        )
        for name, role in (
            ("request_missing_items", C),
            ("declare_complete", C),
            ("authorise", P),
            ("refuse", P),
        )
    },
    "api:dossier-transition-withdraw": Probe(
        DOSSIER, W, 200, "post", lambda b: {"comment": "La personne renonce au parcours."}
    ),
    "api:dossier-evaluation": Probe(
        DOSSIER,
        W,
        200,
        "post",
        lambda b: {"domain": "sante", "evaluated_on": _today(), "items": [], "notes": "Suivi"},
    ),
    "api:dossier-project": Probe(
        DOSSIER, W, 200, "post", lambda b: {"commitments": "Suivre les démarches"}
    ),
    "api:dossier-association-avis": Probe(
        DOSSIER, W, 200, "post", lambda b: {"avis": "favourable", "motivation": "Projet solide."}
    ),
    "api:dossier-documents": Probe(DOSSIER, W, 201, "post", _piece),
    "api:document": Probe({"pk": "document"}, W),
    "api:pathway-end-early": Probe(
        {"pk": "pathway"},
        P,
        400,
        "post",
        lambda b: {"on": _today(), "reason": "Fin anticipée motivée par le préfet."},
        shows="Seul un parcours en cours peut être arrêté.",
    ),
    "api:pathway-exit": Probe(
        {"pk": "pathway"},
        W,
        400,
        "post",
        lambda b: {"outcome": "emploi", "on": _today()},
        shows="Seul un parcours commencé peut se conclure par une sortie.",
    ),
    "api:person-rights": Probe({"pk": "person"}, W),
    "api:dossier-notification": Probe(
        DOSSIER,
        C,
        400,
        "post",
        lambda b: {"notified_on": _today(), "channel": "hand"},
        shows="Aucune décision à notifier pour ce dossier.",
    ),
    "api:dossier-extra": Probe(
        DOSSIER, W, 200, "post", lambda b: {"values": {"orientation": "115"}}
    ),
    "frontend:retention_sweep": Probe({"pk": "sweep"}, D),
    "frontend:retention_sweep_confirm": Probe(
        {"pk": "sweep"}, D, 302, "post", lambda b: {}, shows="Ce balayage ne peut plus être lancé"
    ),
    "frontend:retention_hold_lift": Probe(
        {"pk": "hold"}, D, 302, "post", lambda b: {"reason": "Levée demandée par le juge."}
    ),
    "frontend:retention_archive": Probe({"pk": "archived_person"}, D),
    "api:retention-sweep": Probe({"pk": "sweep"}, D),
    "api:retention-sweep-confirm": Probe(
        {"pk": "sweep"}, D, 409, "post", lambda b: {}, shows="Ce balayage ne peut plus être lancé"
    ),
    "api:retention-hold-lift": Probe(
        {"pk": "hold"}, D, 200, "post", lambda b: {"reason": "Levée demandée par le juge."}
    ),
    "api:retention-archive-read": Probe(
        {"pk": "archived_person"}, D, 200, "post", lambda b: {"reason": "Contrôle de la CNIL."}
    ),
    "api:project-actions": Probe(DOSSIER, W),
    "api:project-action": Probe({"pk": "dossier", "action_id": "project_action"}, W),
    "api:person-identity": Probe({"pk": "person"}, W),
    "api:person-access-exports": Probe({"pk": "person"}, C),
    "api:access-export": Probe({"pk": "access_export"}, C),
    "api:access-export-json": Probe({"pk": "access_export"}, C),
    "api:access-export-pdf": Probe({"pk": "access_export"}, C),
    "api:person-readers": Probe({"pk": "person"}, "dpo"),
    "api:afis-msa": Probe(
        {"pk": "person"},
        C,
        400,
        "post",
        lambda b: {"on": _today()},
        shows="Aucune AFIS accordée à transmettre.",
    ),
}


@dataclass
class Built:
    """The objects built in `schema`, by kind: their ids, and the rows to check in the other."""

    schema: str
    ids: dict[str, int] = field(default_factory=dict)
    doc_type: str = ""  # a type of piece the file takes
    secrets: list[str] = field(default_factory=list)  # text of the objects no one else may see
    rows: list[tuple[type[Model], int]] = field(default_factory=list)

    def add(self, kind: str, row: Model) -> Model:
        self.ids[kind] = row.pk
        self.rows.append((type(row), row.pk))
        return row

    def assert_absent_from(self, schema: str) -> None:
        with schema_context(schema):
            clashing = [
                (model.__name__, pk)
                for model, pk in self.rows
                if model.objects.filter(pk=pk).exists()
            ]
        assert not clashing, f"ids of {self.schema} also used in {schema}: {clashing}"


def ids_beyond(*, schema: str, other: str) -> None:
    """Move every id sequence of `schema` past the same sequence of `other`.

    `setval` is not undone by the test's rollback: the ids of `schema` simply move on, as they
    do after any committed test.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sequencename, COALESCE(last_value, 0) FROM pg_sequences WHERE schemaname = %s",
            [other],
        )
        theirs = dict(cursor.fetchall())
        cursor.execute(
            "SELECT sequencename, COALESCE(last_value, 0) FROM pg_sequences WHERE schemaname = %s",
            [schema],
        )
        for name, ours in cursor.fetchall():
            if theirs.get(name, 0) >= ours:
                cursor.execute("SELECT setval(%s, %s)", [f'"{schema}"."{name}"', theirs[name] + 1])


def _pdf() -> bytes:
    from tests.tenants.casework.conftest import PDF

    return PDF


# The file's page of complementary fields exists only where the département defines some.
EXTRA_FIELDS = {
    "type": "object",
    "properties": {"orientation": {"type": "string", "enum": ["115", "hopital", "police"]}},
    "additionalProperties": False,
}


def _dossier(code: str, built: Built) -> None:
    from parcours.workflows.services import current_template, workflow_variant_save
    from tenants.casework.models import Document
    from tenants.casework.services import project_action_save
    from tests.tenants.casework.conftest import access_as, prepare

    worker = access_as("association_worker", code)
    workflow_variant_save(
        tenant=worker.tenant,
        template=current_template(code="psp"),
        adjustments={"extra_fields": EXTRA_FIELDS},
        actor_id=None,
    )
    connection.set_tenant(worker.tenant)  # the variant is saved in the public schema
    dossier = built.add("dossier", prepare(worker))
    built.add("person", dossier.person)
    built.secrets.append(dossier.person.pseudonym)
    built.add("pathway", dossier.pathway)
    document = Document.objects.filter(dossier=dossier).order_by("pk").first()
    assert document is not None
    built.add("document", document)
    built.doc_type = document.doc_type
    built.add(
        "project_action",
        project_action_save(
            access=worker,
            dossier_id=dossier.pk,
            action_id=None,
            domain="logement",
            description="Visite d'un logement",
            partner="",
            due_on=None,
            status="planned",
        ),
    )


def _member(code: str, built: Built) -> None:
    from tenants.commission.services import member_arrete_attach
    from tests.tenants.casework.conftest import access_as
    from tests.tenants.commission.factories import small_commission

    coordinator = access_as("coordinator", code)
    seat = small_commission(coordinator)[0]
    built.add("member", member_arrete_attach(access=coordinator, member_id=seat.pk, data=_pdf()))


def _session(code: str, built: Built) -> None:
    """A closed session: its page, its convocation and its minutes all exist."""
    from tenants.commission import services
    from tenants.commission.models import Presence, Session
    from tests.tenants.casework.conftest import access_as
    from tests.tenants.commission.factories import small_commission

    coordinator = access_as("coordinator", code)
    seats = small_commission(coordinator)
    session = services.session_schedule(
        access=coordinator, starts_at=timezone.now() + dt.timedelta(days=10)
    )
    services.agenda_add_policy(
        access=coordinator, session_id=session.pk, title="Bilan annuel des parcours"
    )
    services.session_convene(access=coordinator, session_id=session.pk)
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now())
    services.session_open(access=coordinator, session_id=session.pk)
    for seat in seats:
        services.attendance_record(
            access=coordinator,
            session_id=session.pk,
            member_id=seat.pk,
            presence=Presence.IN_PERSON,
        )
    for item in session.items.all():
        for seat in seats:
            services.vote_cast(
                access=coordinator, item_id=item.pk, member_id=seat.pk, choice="favourable"
            )
        services.item_close(access=coordinator, item_id=item.pk)
        built.add("item", item)
    built.add("session", services.session_close(access=coordinator, session_id=session.pk))


def _planned_session(code: str, built: Built) -> None:
    from tenants.commission.services import session_schedule
    from tests.tenants.casework.conftest import access_as

    starts_at = timezone.now() + dt.timedelta(days=12)
    built.add(
        "planned_session",
        session_schedule(access=access_as("coordinator", code), starts_at=starts_at),
    )


def _agrement(code: str, built: Built) -> None:
    from parcours.associations.models import Association
    from parcours.referentiel.models import Departement
    from tenants.agrements.models import Agrement, AgrementStatus
    from tenants.agrements.services import agrement_arrete_attach, agrement_request
    from tests.tenants.casework.conftest import access_as

    coordinator = access_as("coordinator", code)
    association = Association.objects.create(
        name=f"Association isolée {code}",
        rna=f"W{code}9{timezone.now().microsecond:06d}"[:10],
        head_office_departement=Departement.objects.get(code=code),
        declared_on=dt.date(2012, 1, 1),
    )
    agrement = agrement_request(
        access=coordinator,
        association_id=association.pk,
        requested_on=timezone.localdate() - dt.timedelta(days=30),
        departements=[code],
    )
    # Approved as the base's are (the decision's own rules are tested elsewhere): only an
    # approved agrément has an arrêté to attach.
    today = timezone.localdate()
    Agrement.objects.filter(pk=agrement.pk).update(
        status=AgrementStatus.APPROVED, valid_from=today, valid_until=today + dt.timedelta(days=700)
    )
    built.add(
        "agrement", agrement_arrete_attach(access=coordinator, agrement_id=agrement.pk, data=_pdf())
    )


def _report(code: str, built: Built) -> None:
    from tenants.pilotage.models import ActivityReport
    from tenants.pilotage.tasks import generate_activity_report

    built.add("report", ActivityReport.objects.get(pk=generate_activity_report(year=2025)))


def _axis(code: str, built: Built) -> None:
    from tenants.pilotage.services import axis_create
    from tests.tenants.casework.conftest import access_as

    year = timezone.localdate().year
    built.add(
        "axis",
        axis_create(
            access=access_as("coordinator", code),
            title="Axe isolé",
            first_year=year,
            last_year=year + 1,
        ),
    )


def _retention(code: str, built: Built) -> None:
    """A sweep already run, and an archived person with a standing hold."""
    from tenants.casework.services import person_create
    from tenants.retention.models import Sweep, SweepStatus
    from tenants.retention.services import legal_hold_set, person_archive
    from tests.tenants.casework.conftest import access_as

    built.add("sweep", Sweep.objects.create(today=timezone.localdate(), status=SweepStatus.DONE))
    person = person_create(
        access=access_as("association_worker", code),
        identity={"first_name": "Isolée", "last_name": f"Archivée {code}"},
        children_count=0,
        languages=[],
    )
    hold = legal_hold_set(
        access=access_as("dpo", code), person_id=person.pk, reason="Recours contentieux en cours."
    )
    built.add("hold", hold)
    person_archive(person=person, today=timezone.localdate(), sweep_id=None)
    built.add("archived_person", person)


def _access_export(code: str, built: Built) -> None:
    """A person's access export, built: its files exist (the test's media folder)."""
    from tenants.privacy.models import AccessExport
    from tenants.privacy.services import access_export_build, access_export_request
    from tests.tenants.casework.conftest import access_as, prepare

    dossier = prepare(access_as("association_worker", code))
    built.secrets.append(dossier.person.pseudonym)
    export = access_export_request(
        access=access_as("coordinator", code), person_id=dossier.person_id
    )
    access_export_build(export_id=export.pk)
    built.add("access_export", AccessExport.objects.get(pk=export.pk))


# The factory of each kind (a factory may build several kinds, those that come together).
FACTORIES: dict[str, Callable[[str, Built], None]] = {
    "dossier": _dossier,
    "person": _dossier,
    "pathway": _dossier,
    "document": _dossier,
    "project_action": _dossier,
    "member": _member,
    "session": _session,
    "item": _session,
    "planned_session": _planned_session,
    "agrement": _agrement,
    "report": _report,
    "axis": _axis,
    "sweep": _retention,
    "hold": _retention,
    "archived_person": _retention,
    "access_export": _access_export,
}


def build(*, code: str, kinds: set[str], attacked: str) -> Built:
    """The objects of `kinds` in département `code`, with ids no row of `attacked` has."""
    schema = f"dep_{code}"
    ids_beyond(schema=schema, other=f"dep_{attacked}")
    built = Built(schema=schema)
    connection.set_tenant(Tenant.objects.get(code=code))
    try:
        for factory in dict.fromkeys(FACTORIES[kind] for kind in sorted(kinds)):
            factory(code, built)
    finally:
        connection.set_schema_to_public()
    built.assert_absent_from(f"dep_{attacked}")
    return built
