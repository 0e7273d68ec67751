"""The code of the guards and effects the PSP workflow definitions name.

`GUARDS` and `EFFECTS` map each name of the typed vocabulary (parcours.workflows.definition) to
its function; a test checks that none is missing. A guard returns None when the transition may
happen, or the reason (French) why not. An effect runs inside the transition's transaction, once
the file is saved in its new state, and queues its own tasks on commit.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from parcours.queue import enqueue_on_commit
from parcours.workflows.definition import EffectName, GuardName, Workflow
from tenants.casework.extra_fields import extra_fields_errors
from tenants.casework.models import Decision, Dossier, DossierKind, NeedsDomain, PathwayStatus
from tenants.casework.pathways import ceiling_reason, period_open
from tenants.casework.tasks import generate_decision_letter, notify_role

Guard = Callable[[Dossier, Workflow], str | None]
Effect = Callable[[Dossier, Workflow], None]


def evaluation_signed_off(dossier: Dossier, workflow: Workflow) -> str | None:
    signed = set(
        dossier.evaluations.filter(signed_off_at__isnull=False).values_list("domain", flat=True)
    )
    missing = [d.label for d in NeedsDomain if d.value not in signed]
    if missing:
        return "L'évaluation des besoins n'est pas signée pour : " + ", ".join(missing) + "."
    return None


def insertion_project_signed(dossier: Dossier, workflow: Workflow) -> str | None:
    project = getattr(dossier, "project", None)
    if project is None or project.signed_on is None:
        return "Le projet d'insertion n'est pas co-signé par la personne et l'association."
    return None


def required_documents_present(dossier: Dossier, workflow: Workflow) -> str | None:
    present = set(dossier.documents.values_list("doc_type", flat=True))
    missing = [d.label for d in workflow.required_documents(dossier.kind) if d.code not in present]
    if missing:
        return "Pièces manquantes : " + " ; ".join(missing) + "."
    return None


def association_avis_recorded(dossier: Dossier, workflow: Workflow) -> str | None:
    if not dossier.association_avis or not dossier.association_avis_motivation:
        return "L'avis motivé de l'association manque."
    return None


def commission_avis_recorded(dossier: Dossier, workflow: Workflow) -> str | None:
    if not dossier.commission_avis:
        return "L'avis de la commission n'a pas été rendu."
    return None


def within_ceiling(dossier: Dossier, workflow: Workflow) -> str | None:
    if dossier.kind == DossierKind.FIRST_REQUEST and not dossier.pathway.periods.exists():
        return None
    return ceiling_reason(pathway=dossier.pathway, on=timezone.localdate())


def extra_fields_complete(dossier: Dossier, workflow: Workflow) -> str | None:
    schema = workflow.extra_fields
    if not schema or not schema.get("properties"):
        return None
    values = {k: v for k, v in dossier.extra.items() if k in schema["properties"]}
    errors = extra_fields_errors(schema=schema, values=values)
    if errors:
        return (
            "Champs complémentaires du département à compléter : " + ", ".join(sorted(errors)) + "."
        )
    return None


def open_period(dossier: Dossier, workflow: Workflow) -> None:
    assert dossier.start_on is not None  # written by the authorising decision's form
    period_open(dossier=dossier, starts_on=dossier.start_on)


def decision_letter(dossier: Dossier, workflow: Workflow) -> None:
    if dossier.decision == Decision.REFUSED and dossier.kind == DossierKind.FIRST_REQUEST:
        dossier.pathway.status = PathwayStatus.REFUSED
        dossier.pathway.save(update_fields=["status"])
    enqueue_on_commit(generate_decision_letter, dossier_id=dossier.pk)


def notify_coordination(dossier: Dossier, workflow: Workflow) -> None:
    enqueue_on_commit(
        notify_role,
        role="coordinator",
        subject=f"Dossier {dossier.person.pseudonym} déposé",
        body=f"Le dossier {dossier.person.pseudonym} ({dossier.get_kind_display()}) a été déposé.",
    )


def notify_association(dossier: Dossier, workflow: Workflow) -> None:
    enqueue_on_commit(
        notify_role,
        role="association_worker",
        association_id=dossier.association_id,
        subject=f"Dossier {dossier.person.pseudonym} : pièces manquantes",
        body=f"Des pièces sont demandées pour le dossier {dossier.person.pseudonym}.",
    )


def close_withdrawn_request(dossier: Dossier, workflow: Workflow) -> None:
    if dossier.kind == DossierKind.FIRST_REQUEST:
        dossier.pathway.status = PathwayStatus.WITHDRAWN
        dossier.pathway.save(update_fields=["status"])


GUARDS: dict[GuardName, Guard] = {
    GuardName.EVALUATION_SIGNED_OFF: evaluation_signed_off,
    GuardName.INSERTION_PROJECT_SIGNED: insertion_project_signed,
    GuardName.REQUIRED_DOCUMENTS_PRESENT: required_documents_present,
    GuardName.ASSOCIATION_AVIS_RECORDED: association_avis_recorded,
    GuardName.COMMISSION_AVIS_RECORDED: commission_avis_recorded,
    GuardName.WITHIN_CEILING: within_ceiling,
    GuardName.EXTRA_FIELDS_COMPLETE: extra_fields_complete,
}
EFFECTS: dict[EffectName, Effect] = {
    EffectName.OPEN_PERIOD: open_period,
    EffectName.DECISION_LETTER: decision_letter,
    EffectName.NOTIFY_COORDINATION: notify_coordination,
    EffectName.NOTIFY_ASSOCIATION: notify_association,
    EffectName.CLOSE_WITHDRAWN_REQUEST: close_withdrawn_request,
}
