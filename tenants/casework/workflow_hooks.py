"""The guards and effects the PSP workflow definitions name."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from parcours.queue import enqueue_on_commit
from parcours.workflows.definition import Workflow
from parcours.workflows.registry import effect, guard
from tenants.casework.models import Dossier, DossierKind, NeedsDomain, PathwayStatus


@guard("evaluation_signed_off")
def evaluation_signed_off(
    *, dossier: Dossier, workflow: Workflow, data: dict[str, Any]
) -> str | None:
    signed = set(
        dossier.evaluations.filter(signed_off_at__isnull=False).values_list("domain", flat=True)
    )
    missing = [d.label for d in NeedsDomain if d.value not in signed]
    if missing:
        return "L'évaluation des besoins n'est pas signée pour : " + ", ".join(missing) + "."
    return None


@guard("insertion_project_signed")
def insertion_project_signed(
    *, dossier: Dossier, workflow: Workflow, data: dict[str, Any]
) -> str | None:
    project = getattr(dossier, "project", None)
    if project is None or project.signed_on is None:
        return "Le projet d'insertion n'est pas co-signé par la personne et l'association."
    return None


@guard("required_documents_present")
def required_documents_present(
    *, dossier: Dossier, workflow: Workflow, data: dict[str, Any]
) -> str | None:
    present = set(dossier.documents.values_list("doc_type", flat=True))
    missing = [d.label for d in workflow.required_documents(dossier.kind) if d.code not in present]
    if missing:
        return "Pièces manquantes : " + " ; ".join(missing) + "."
    return None


@guard("association_avis_recorded")
def association_avis_recorded(
    *, dossier: Dossier, workflow: Workflow, data: dict[str, Any]
) -> str | None:
    if not dossier.association_avis or not dossier.association_avis_motivation:
        return "L'avis motivé de l'association manque."
    return None


@guard("commission_avis_recorded")
def commission_avis_recorded(
    *, dossier: Dossier, workflow: Workflow, data: dict[str, Any]
) -> str | None:
    if not dossier.commission_avis:
        return "L'avis de la commission n'a pas été rendu."
    return None


@guard("within_ceiling")
def within_ceiling(*, dossier: Dossier, workflow: Workflow, data: dict[str, Any]) -> str | None:
    from tenants.casework.services import ceiling_reason

    if dossier.kind == DossierKind.FIRST_REQUEST and not dossier.pathway.periods.exists():
        return None
    return ceiling_reason(pathway=dossier.pathway, on=timezone.localdate())


@effect("open_period")
def open_period(*, dossier: Dossier, workflow: Workflow, data: dict[str, Any], access: Any) -> None:
    from tenants.casework.services import period_open

    period_open(dossier=dossier, starts_on=data["start_on"])


@effect("decision_letter")
def decision_letter(
    *, dossier: Dossier, workflow: Workflow, data: dict[str, Any], access: Any
) -> None:
    from tenants.casework.tasks import generate_decision_letter

    if dossier.decision == "refused" and dossier.kind == DossierKind.FIRST_REQUEST:
        dossier.pathway.status = PathwayStatus.REFUSED
        dossier.pathway.save(update_fields=["status"])
    enqueue_on_commit(generate_decision_letter, dossier_id=dossier.pk)


@effect("notify_coordination")
def notify_coordination(
    *, dossier: Dossier, workflow: Workflow, data: dict[str, Any], access: Any
) -> None:
    from tenants.casework.tasks import notify_role

    enqueue_on_commit(
        notify_role,
        role="coordinator",
        subject=f"Dossier {dossier.person.pseudonym} déposé",
        body=f"Le dossier {dossier.person.pseudonym} ({dossier.get_kind_display()}) a été déposé.",
    )


@effect("notify_association")
def notify_association(
    *, dossier: Dossier, workflow: Workflow, data: dict[str, Any], access: Any
) -> None:
    from tenants.casework.tasks import notify_role

    enqueue_on_commit(
        notify_role,
        role="association_worker",
        association_id=dossier.association_id,
        subject=f"Dossier {dossier.person.pseudonym} : pièces manquantes",
        body=f"Des pièces sont demandées pour le dossier {dossier.person.pseudonym}.",
    )


@effect("close_withdrawn_request")
def close_withdrawn_request(
    *, dossier: Dossier, workflow: Workflow, data: dict[str, Any], access: Any
) -> None:
    if dossier.kind == DossierKind.FIRST_REQUEST:
        dossier.pathway.status = PathwayStatus.WITHDRAWN
        dossier.pathway.save(update_fields=["status"])


@guard("extra_fields_complete")
def extra_fields_complete(
    *, dossier: Dossier, workflow: Workflow, data: dict[str, Any]
) -> str | None:
    from tenants.casework.services import extra_fields_errors

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
