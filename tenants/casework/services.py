"""Every write on case data: one named function each, owning its transaction and audit event.

The association's writes on a file live here; firing a workflow transition is in
transitions.py, the pathway across its files (ceiling, periods, early end, exit) in pathways.py.
The names below them are re-exported so that callers keep one import for the follow-up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.audit.services import audit_record
from parcours.db import connection
from parcours.errors import NotInScope
from parcours.workflows.services import current_variant, shipped_workflow
from tenants.agrements.selectors import acting_associations
from tenants.casework.acting import require_approval, require_worker
from tenants.casework.crypto import encrypt_json
from tenants.casework.errors import CaseworkError, TransitionConflict
from tenants.casework.extra_fields import extra_fields_errors
from tenants.casework.models import (
    Avis,
    Document,
    Dossier,
    DossierKind,
    InsertionProject,
    NeedsDomain,
    NeedsEvaluation,
    Pathway,
    PathwayStatus,
    Person,
    ProjectAction,
)
from tenants.casework.pathways import (
    ceiling_reason,
    months_authorised,
    pathway_end_early,
    pathway_exit,
    period_open,
)
from tenants.casework.persons import (
    IDENTITY_KEYS,
    SEXES,
    person_contact_touch,
    person_create,
)
from tenants.casework.transitions import TransitionRequest, dossier_transition

# What only a commission session fires, on files of the national template (a département's
# variant adds optional steps, never session steps): ask a file's own workflow when you have one.
SESSION_TRANSITIONS = shipped_workflow().session_transitions

# Its own writes, and those of the follow-up's other modules that callers import from here.
__all__ = [
    "IDENTITY_KEYS",
    "SESSION_TRANSITIONS",
    "SEXES",
    "CaseworkError",
    "TransitionConflict",
    "TransitionRequest",
    "appeal_deadline",
    "association_avis_record",
    "ceiling_reason",
    "decision_notification_record",
    "document_upload",
    "dossier_create",
    "dossier_extra_record",
    "dossier_transition",
    "evaluation_record",
    "extra_fields_errors",
    "months_authorised",
    "pathway_end_early",
    "pathway_exit",
    "period_open",
    "person_contact_touch",
    "person_create",
    "processing_days",
    "project_action_save",
    "project_record",
]


def dossier_create(*, access: Access, person_id: int, kind: str) -> Dossier:
    """Open a first request, or a renewal of a running pathway (refused past the ceiling)."""
    association_id = require_worker(access)
    tenant = access.tenant
    assert tenant is not None
    with transaction.atomic():
        person = (
            Person.objects.in_active_base()
            .select_for_update()
            .filter(pk=person_id, association_id__in=acting_associations(access=access))
            .first()
        )
        if person is None:
            raise NotInScope
        variant = current_variant(tenant=tenant)
        if connection.schema_name != tenant.schema_name:  # it audited its adoption in public
            connection.set_tenant(tenant)
        if kind == DossierKind.FIRST_REQUEST:
            if person.pathways.filter(
                status__in=[PathwayStatus.REQUESTED, PathwayStatus.ACTIVE]
            ).exists():
                raise CaseworkError(["Cette personne a déjà un parcours en cours ou demandé."])
            pathway = Pathway.objects.create(person=person)
            number = 1
        elif kind == DossierKind.RENEWAL:
            active = person.pathways.filter(status=PathwayStatus.ACTIVE).first()
            if active is None:
                raise CaseworkError(["Un renouvellement suppose un parcours en cours."])
            pathway = active
            if pathway.dossiers.exclude(state__in=variant.workflow.final_states).exists():
                raise CaseworkError(["Une demande est déjà en cours pour ce parcours."])
            reason = ceiling_reason(pathway=pathway, on=timezone.localdate())
            if reason:
                raise CaseworkError([reason])
            number = pathway.dossiers.count() + 1
        else:
            raise CaseworkError([f"Type de demande inconnu : {kind}."])
        dossier = Dossier.objects.create(
            pathway=pathway,
            person=person,
            association_id=association_id,
            kind=kind,
            number=number,
            workflow_variant=variant,
            state=variant.workflow.initial,
        )
        person_contact_touch(person_id=person.pk, on=timezone.localdate())
        audit_record(
            action="dossier.created",
            actor_id=access.user_id,
            actor_role=Role.ASSOCIATION_WORKER.value,
            object_type="dossier",
            object_id=dossier.pk,
            data={
                "kind": kind,
                "workflow": f"{variant.template.code}-{variant.template.version}",
                "variant": variant.pk,
            },
        )
        return dossier


def _editable_by_association(*, access: Access, dossier_id: int) -> Dossier:
    dossier = (
        Dossier.objects.in_active_base()
        .select_for_update(of=("self",))
        .filter(pk=dossier_id, association_id__in=acting_associations(access=access))
        .first()
    )
    if dossier is None or Role.ASSOCIATION_WORKER not in access.roles:
        raise NotInScope
    if not dossier.is_editable:
        raise CaseworkError(
            ["Le dossier a été déposé : il ne peut plus être modifié par l'association."]
        )
    require_approval(association_id=dossier.association_id)
    return dossier


# An evaluation lists needs, not a case history: bounded on the pages and the API alike.
EVALUATION_MAX_ITEMS = 50
EVALUATION_ITEM_TEXT = 300
EVALUATION_NOTES_MAX = 20_000


def _check_evaluation_size(*, items: list[dict[str, Any]], notes: str) -> None:
    fields: dict[str, list[str]] = {}
    if not isinstance(items, list) or len(items) > EVALUATION_MAX_ITEMS:
        fields["items"] = [f"{EVALUATION_MAX_ITEMS} besoins au plus."]
    elif any(
        not isinstance(item, dict)
        or any(len(str(value)) > EVALUATION_ITEM_TEXT for value in item.values())
        or len(item) > 10
        for item in items
    ):
        fields["items"] = [f"Chaque besoin tient en {EVALUATION_ITEM_TEXT} caractères au plus."]
    if len(notes) > EVALUATION_NOTES_MAX:
        fields["notes"] = [f"Les notes tiennent en {EVALUATION_NOTES_MAX} caractères au plus."]
    if fields:
        raise CaseworkError(["L'évaluation est trop longue."], fields=fields)


def evaluation_record(
    *,
    access: Access,
    dossier_id: int,
    domain: str,
    items: list[dict[str, Any]],
    notes: str,
    evaluated_on: dt.date,
    sign_off: bool,
) -> NeedsEvaluation:
    if domain not in NeedsDomain.values:
        raise CaseworkError(
            [f"Domaine inconnu : {domain}."], fields={"domain": ["Domaine inconnu."]}
        )
    if evaluated_on > timezone.localdate():
        raise CaseworkError(
            ["La date d'évaluation est dans le futur."],
            fields={"evaluated_on": ["Date dans le futur."]},
        )
    _check_evaluation_size(items=items, notes=notes)
    with transaction.atomic():
        dossier = _editable_by_association(access=access, dossier_id=dossier_id)
        evaluation, _ = NeedsEvaluation.objects.update_or_create(
            dossier=dossier,
            domain=domain,
            defaults={
                "items": items,
                "notes_encrypted": encrypt_json(
                    notes, purpose=f"dossier:{dossier.pk}:evaluation:{domain}"
                )
                if notes
                else "",
                "evaluated_on": evaluated_on,
                "signed_off_at": timezone.now() if sign_off else None,
                "signed_off_by_id": access.user_id if sign_off else None,
            },
        )
        person_contact_touch(person_id=dossier.person_id, on=evaluated_on)
        audit_record(
            action="evaluation.recorded",
            actor_id=access.user_id,
            actor_role=Role.ASSOCIATION_WORKER.value,
            object_type="dossier",
            object_id=dossier.pk,
            data={"domain": domain, "signed_off": sign_off},
        )
        return evaluation


def project_record(
    *,
    access: Access,
    dossier_id: int,
    goals: dict[str, list[str]],
    commitments: str,
    signed_on: dt.date | None,
) -> InsertionProject:
    if signed_on and signed_on > timezone.localdate():
        raise CaseworkError(
            ["La date de signature est dans le futur."],
            fields={"signed_on": ["Date dans le futur."]},
        )
    with transaction.atomic():
        dossier = _editable_by_association(access=access, dossier_id=dossier_id)
        project, _ = InsertionProject.objects.update_or_create(
            dossier=dossier,
            defaults={"goals": goals, "commitments": commitments, "signed_on": signed_on},
        )
        person_contact_touch(person_id=dossier.person_id, on=signed_on or timezone.localdate())
        audit_record(
            action="project.recorded",
            actor_id=access.user_id,
            actor_role=Role.ASSOCIATION_WORKER.value,
            object_type="dossier",
            object_id=dossier.pk,
            data={"signed": bool(signed_on)},
        )
        return project


def association_avis_record(
    *, access: Access, dossier_id: int, avis: str, motivation: str
) -> Dossier:
    if avis not in Avis.values:
        raise CaseworkError(
            ["Avis inconnu."], fields={"avis": ["Choisissez favorable ou défavorable."]}
        )
    if len(motivation.strip()) < 10:
        raise CaseworkError(
            ["L'avis de l'association est motivé."],
            fields={"motivation": ["Motivez l'avis (10 caractères au moins)."]},
        )
    with transaction.atomic():
        dossier = _editable_by_association(access=access, dossier_id=dossier_id)
        dossier.association_avis = avis
        dossier.association_avis_motivation = motivation.strip()
        dossier.association_avis_on = timezone.localdate()
        dossier.save(
            update_fields=[
                "association_avis",
                "association_avis_motivation",
                "association_avis_on",
                "updated_at",
            ]
        )
        audit_record(
            action="dossier.association_avis",
            actor_id=access.user_id,
            actor_role=Role.ASSOCIATION_WORKER.value,
            object_type="dossier",
            object_id=dossier.pk,
            data={"avis": avis},
        )
        return dossier


def document_upload(
    *, access: Access, dossier_id: int, doc_type: str, data: bytes, claimed_name: str = ""
) -> Document:
    """Store a piece after checking its real type and size; nothing is written on refusal."""
    from parcours.storage import MAX_UPLOAD_BYTES, content_type_of, store_bytes

    if len(data) == 0:
        raise CaseworkError(["Le fichier est vide."], fields={"file": ["Le fichier est vide."]})
    if len(data) > MAX_UPLOAD_BYTES:
        raise CaseworkError(
            ["Le fichier dépasse 10 Mo."],
            fields={"file": ["Le fichier dépasse la taille maximale de 10 Mo."]},
        )
    content_type = content_type_of(data)
    if content_type is None:
        # A PDF must also parse, with a page, and not be encrypted (storage.content_type_of).
        message = "Seuls les fichiers PDF, PNG et JPEG sont acceptés."
        raise CaseworkError([message], fields={"file": [message]})
    with transaction.atomic():
        dossier = _editable_by_association(access=access, dossier_id=dossier_id)
        known = {d.code for d in dossier.workflow_variant.workflow.documents}
        if doc_type not in known:
            raise CaseworkError(
                ["Type de pièce inconnu."], fields={"doc_type": ["Type de pièce inconnu."]}
            )
        suffix = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}[
            content_type
        ]
        name, digest = store_bytes(data=data, suffix=suffix)
        document = Document.objects.create(
            person=dossier.person,
            dossier=dossier,
            doc_type=doc_type,
            storage_name=name,
            content_type=content_type,
            size=len(data),
            sha256=digest,
            uploaded_by_id=access.user_id,
        )
        person_contact_touch(person_id=dossier.person_id, on=timezone.localdate())
        audit_record(
            action="document.uploaded",
            actor_id=access.user_id,
            actor_role=Role.ASSOCIATION_WORKER.value,
            object_type="dossier",
            object_id=dossier.pk,
            data={"document": document.pk, "doc_type": doc_type},
        )
        return document


def decision_notification_record(
    *,
    access: Access,
    dossier_id: int,
    notified_on: dt.date,
    channel: str,
    acknowledged_on: dt.date | None,
) -> Dossier:
    """Record how and when the decision reached the person: it starts the appeal delay."""
    from tenants.casework.models import NotificationChannel

    if Role.COORDINATOR not in access.roles:
        raise CaseworkError(
            ["La notification est enregistrée par la coordination."], forbidden=True
        )
    if channel not in NotificationChannel.values:
        raise CaseworkError(
            ["Mode de notification inconnu."],
            fields={"channel": ["Choisissez un mode de notification."]},
        )
    today = timezone.localdate()
    if notified_on > today or (acknowledged_on and acknowledged_on > today):
        raise CaseworkError(
            ["Les dates de notification ne peuvent pas être dans le futur."],
            fields={"notified_on": ["Date dans le futur."]},
        )
    if acknowledged_on and acknowledged_on < notified_on:
        raise CaseworkError(
            ["L'accusé de réception ne peut pas précéder la notification."],
            fields={"acknowledged_on": ["Date antérieure à la notification."]},
        )
    with transaction.atomic():
        dossier = (
            Dossier.objects.in_active_base()
            .select_for_update(of=("self",))
            .filter(pk=dossier_id)
            .first()
        )
        if dossier is None:
            raise NotInScope
        if not dossier.decision or dossier.decided_at is None:
            raise CaseworkError(["Aucune décision à notifier pour ce dossier."])
        if notified_on < timezone.localtime(dossier.decided_at).date():
            raise CaseworkError(
                ["La notification ne peut pas précéder la décision."],
                fields={"notified_on": ["Date antérieure à la décision."]},
            )
        dossier.notified_on = notified_on
        dossier.notification_channel = channel
        dossier.notification_acknowledged_on = acknowledged_on
        dossier.save(
            update_fields=[
                "notified_on",
                "notification_channel",
                "notification_acknowledged_on",
                "updated_at",
            ]
        )
        person_contact_touch(person_id=dossier.person_id, on=acknowledged_on or notified_on)
        audit_record(
            action="dossier.notification_recorded",
            actor_id=access.user_id,
            actor_role=Role.COORDINATOR.value,
            object_type="dossier",
            object_id=dossier.pk,
            data={"channel": channel},
        )
        return dossier


def dossier_extra_record(*, access: Access, dossier_id: int, values: dict[str, Any]) -> Dossier:
    """The association fills the complementary fields its département asks for."""
    with transaction.atomic():
        dossier = _editable_by_association(access=access, dossier_id=dossier_id)
        schema = dossier.workflow_variant.workflow.extra_fields or {"type": "object"}
        known = set(schema.get("properties", {}))
        unknown = sorted(set(values) - known)
        if unknown:
            raise CaseworkError([f"Champs inconnus : {', '.join(unknown)}."])
        errors = extra_fields_errors(schema={**schema, "required": []}, values=values)
        if errors:
            raise CaseworkError(["Des champs complémentaires sont invalides."], fields=errors)
        dossier.extra = {**dossier.extra, **values}
        dossier.save(update_fields=["extra", "updated_at"])
        audit_record(
            action="dossier.extra_recorded",
            actor_id=access.user_id,
            actor_role=Role.ASSOCIATION_WORKER.value,
            object_type="dossier",
            object_id=dossier.pk,
            data={"fields": sorted(values)},
        )
        return dossier


def project_action_save(
    *,
    access: Access,
    dossier_id: int,
    action_id: int | None,
    domain: str,
    description: str,
    partner: str,
    due_on: dt.date | None,
    status: str,
) -> ProjectAction:
    """Add or update an action of the insertion project (the association follows them all along)."""
    from tenants.casework.models import ActionStatus, ProjectDomain

    errors: dict[str, list[str]] = {}
    if domain not in ProjectDomain.values:
        errors["domain"] = ["Choisissez un domaine."]
    if not description.strip():
        errors["description"] = ["Décrivez l'action."]
    if status not in ActionStatus.values:
        errors["status"] = ["État inconnu."]
    if errors:
        raise CaseworkError(["L'action n'est pas complète."], fields=errors)
    if Role.ASSOCIATION_WORKER not in access.roles:
        raise CaseworkError(
            ["Les actions du projet sont suivies par l'association."], forbidden=True
        )
    with transaction.atomic():
        dossier = (
            Dossier.objects.in_active_base()
            .select_for_update(of=("self",))
            .filter(pk=dossier_id, association_id__in=acting_associations(access=access))
            .first()
        )
        if dossier is None:
            raise NotInScope
        project, _ = InsertionProject.objects.get_or_create(dossier=dossier)
        if action_id is None:
            action = ProjectAction(project=project)
        else:
            found = ProjectAction.objects.filter(pk=action_id, project=project).first()
            if found is None:
                raise NotInScope
            action = found
        action.domain, action.description = domain, description.strip()
        action.partner, action.due_on, action.status = partner.strip(), due_on, status
        action.save()
        person_contact_touch(person_id=dossier.person_id, on=timezone.localdate())
        audit_record(
            action="project.action_saved",
            actor_id=access.user_id,
            actor_role=Role.ASSOCIATION_WORKER.value,
            object_type="dossier",
            object_id=dossier.pk,
            data={"action": action.pk, "status": status},
        )
        return action


def processing_days(*, dossier: Dossier, now: dt.datetime | None = None) -> int | None:
    """Days the file has been waiting on the administration (see Dossier.processing_days)."""
    return dossier.processing_days(now=now)


def appeal_deadline(*, dossier: Dossier) -> dt.date | None:
    """Last day to appeal, None until notified (see Dossier.appeal_deadline)."""
    return dossier.appeal_deadline()
