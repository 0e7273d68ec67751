"""Every write on case data: one named function each, owning its transaction and audit event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pycountry
from dateutil.relativedelta import relativedelta
from django.db import DatabaseError, transaction
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.audit.services import audit_record
from parcours.db import connection
from parcours.departements.models import Tenant
from parcours.errors import Conflict, NotInScope, Refused
from parcours.referentiel.calendar import delai_franc_last_day
from parcours.referentiel.models import NomenclatureItem, NomenclatureKind
from parcours.referentiel.selectors import legal_parameter_value
from parcours.validation import (
    BIDI_MESSAGE,
    DATE_RANGE_MESSAGE,
    has_bidi_controls,
    is_plausible_date,
)
from parcours.workflows.definition import Transition, Workflow
from parcours.workflows.registry import EFFECTS, GUARDS
from parcours.workflows.services import current_variant
from tenants.agrements.selectors import acting_associations
from tenants.casework.crypto import encrypt_json
from tenants.casework.models import (
    Avis,
    Document,
    Dossier,
    DossierEvent,
    DossierKind,
    InsertionProject,
    NeedsDomain,
    NeedsEvaluation,
    Pathway,
    PathwayStatus,
    Period,
    Person,
    ProjectAction,
    PseudonymCounter,
    Right,
)
from tenants.casework.selectors import FULL_SCOPE_ROLES


class CaseworkError(Refused):
    """A refused write of the follow-up; `forbidden` marks a refusal of the person's role."""


class TransitionConflict(CaseworkError, Conflict):
    """Someone else changed the file at the same time: nothing was written."""


IDENTITY_KEYS = (
    "last_name",
    "first_name",
    "sex",
    "birth_date",
    "nationality",
    "phone",
    "email",
    "address",
    "id_document",
)


def _actor_role(access: Access, allowed: set[str] | frozenset[str]) -> str:
    for role in sorted(access.roles):
        if role.value in allowed:
            return role.value
    return ""


def _require_worker(access: Access) -> int:
    """The association on whose behalf a worker acts here, provided its approval is in force."""
    from tenants.agrements.selectors import agrements_valid_on

    if Role.ASSOCIATION_WORKER not in access.roles or not access.association_ids:
        raise CaseworkError(
            ["Seule une association agréée dans ce département peut faire cela."], forbidden=True
        )
    approved = {a.association_id for a in agrements_valid_on(day=timezone.localdate())}
    usable = sorted(access.association_ids & approved)
    if not usable:
        raise CaseworkError(
            [
                "Votre association n'est pas agréée dans ce département à ce jour : "
                "elle ne peut pas ouvrir de nouveau dossier."
            ],
            forbidden=True,
        )
    return usable[0]


def _next_pseudonym(*, code: str, year: int) -> str:
    counter, _ = PseudonymCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"PSP-{code}-{year}-{counter.last:04d}"


MAX_LANGUAGES = 10
# As the person states it; "X" when neither applies. Counted in the national statistics' breakdown
# by sex (tenants/statistics/extraction.py), never shown beyond the file.
SEXES = {"F": "Femme", "M": "Homme", "X": "Autre"}


def _check_identity(
    *, identity: dict[str, str], birth_date: dt.date | None, languages: list[str]
) -> None:
    """What the pages and the API both refuse in an identity, whatever their own forms check."""
    fields: dict[str, list[str]] = {}
    for key, value in identity.items():
        if has_bidi_controls(value) or any(ord(ch) < 32 for ch in value):
            fields[key] = [BIDI_MESSAGE]
    if birth_date and not is_plausible_date(birth_date):
        fields["birth_date"] = [DATE_RANGE_MESSAGE]
    if identity.get("sex") and identity["sex"] not in SEXES:
        fields["sex"] = ["Choisissez une valeur de la liste (femme, homme, autre)."]
    nationality = identity.get("nationality") or ""
    if (
        nationality
        and not NomenclatureItem.objects.filter(
            kind=NomenclatureKind.NATIONALITY, code=nationality
        ).exists()
    ):
        fields["nationality"] = ["Choisissez une nationalité de la liste ISO 3166."]
    if len(languages) > MAX_LANGUAGES:
        fields["languages"] = [f"{MAX_LANGUAGES} langues au plus."]
    elif any(not _is_language(code) for code in languages):
        fields["languages"] = ["Codes de langue ISO 639 attendus (fr, en, ara…)."]
    if fields:
        raise CaseworkError(
            ["Certaines informations d'identité ne sont pas valides."], fields=fields
        )


def _is_language(code: Any) -> bool:
    if not isinstance(code, str) or not code.isascii() or not 2 <= len(code) <= 3:
        return False
    key = "alpha_2" if len(code) == 2 else "alpha_3"
    return pycountry.languages.get(**{key: code.lower()}) is not None


def person_create(
    *, access: Access, identity: dict[str, Any], children_count: int, languages: list[str]
) -> Person:
    """An association records a person it accompanies; identity is encrypted at once."""
    association_id = _require_worker(access)
    if (
        not (identity.get("last_name") or "").strip()
        or not (identity.get("first_name") or "").strip()
    ):
        raise CaseworkError(
            ["Le nom et le prénom sont obligatoires."],
            fields={"last_name": ["Indiquez le nom."], "first_name": ["Indiquez le prénom."]},
        )
    birth = identity.get("birth_date")
    try:
        birth_date = dt.date.fromisoformat(str(birth)) if birth else None
    except ValueError as exc:
        message = "La date de naissance n'est pas une date valide (format AAAA-MM-JJ)."
        raise CaseworkError([message], fields={"birth_date": [message]}) from exc
    if birth_date and birth_date > timezone.localdate():
        raise CaseworkError(
            ["La date de naissance est dans le futur."],
            fields={"birth_date": ["Date dans le futur."]},
        )
    clean = {key: str(identity.get(key) or "").strip() for key in IDENTITY_KEYS}
    _check_identity(identity=clean, birth_date=birth_date, languages=languages)
    tenant = access.tenant
    assert tenant is not None
    with transaction.atomic():
        pseudonym = _next_pseudonym(code=tenant.code, year=timezone.localdate().year)
        person = Person.objects.create(
            pseudonym=pseudonym,
            association_id=association_id,
            identity_encrypted=encrypt_json(clean, purpose=f"person:{pseudonym}:identity"),
            children_count=children_count,
            languages=languages,
            created_by_id=access.user_id,
            last_contact_on=timezone.localdate(),
        )
        audit_record(
            action="person.created",
            actor_id=access.user_id,
            actor_role=Role.ASSOCIATION_WORKER.value,
            object_type="person",
            object_id=person.pk,
            data={"pseudonym": pseudonym},
        )
        return person


def _months_authorised(pathway: Pathway) -> int:
    total = 0
    for period in pathway.periods.all():
        end = period.ended_early_on or period.ends_on
        delta = relativedelta(end + dt.timedelta(days=1), period.starts_on)
        total += delta.years * 12 + delta.months + (1 if delta.days else 0)
    return total


def ceiling_reason(*, pathway: Pathway, on: dt.date) -> str | None:
    """Why one more period would pass the legal ceiling, or None."""
    period = int(legal_parameter_value(key="psp_period_months", on=on))
    ceiling = int(legal_parameter_value(key="psp_max_total_months", on=on))
    used = _months_authorised(pathway)
    if used + period > ceiling:
        return (
            f"Le parcours a déjà duré {used} mois : une période de {period} mois de plus dépasserait "
            f"la durée maximale de {ceiling} mois (CASF L.121-9 II)."
        )
    return None


def dossier_create(*, access: Access, person_id: int, kind: str) -> Dossier:
    """Open a first request, or a renewal of a running pathway (refused past the ceiling)."""
    association_id = _require_worker(access)
    tenant = access.tenant
    assert tenant is not None
    with transaction.atomic():
        person = (
            Person.objects.select_for_update()
            .filter(pk=person_id, association_id__in=acting_associations(access=access))
            .first()
        )
        if person is None:
            raise NotInScope
        variant = current_variant(tenant=tenant)
        connection.set_tenant(tenant)  # current_variant may have audited in public
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
            if pathway.dossiers.exclude(state__in=["authorised", "refused", "withdrawn"]).exists():
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
        Dossier.objects.select_for_update()
        .filter(pk=dossier_id, association_id__in=acting_associations(access=access))
        .first()
    )
    if dossier is None or Role.ASSOCIATION_WORKER not in access.roles:
        raise NotInScope
    if dossier.state not in {"draft", "incomplete"}:
        raise CaseworkError(
            ["Le dossier a été déposé : il ne peut plus être modifié par l'association."]
        )
    _require_approval(association_id=dossier.association_id)
    return dossier


def _require_approval(*, association_id: int) -> None:
    """An association acts in a département only while its approval there is in force."""
    from tenants.agrements.selectors import agrements_valid_on

    if association_id not in {
        a.association_id for a in agrements_valid_on(day=timezone.localdate())
    }:
        raise CaseworkError(
            [
                "Votre association n'est pas agréée dans ce département à ce jour : elle ne peut pas agir sur ce dossier."
            ]
        )


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


# The transitions a commission session fires (tenants.commission.services): a file is scheduled
# onto a session's agenda, taken off it, and receives the avis the session voted. Fired on the
# file directly, the workflow state and the agenda would be two facts that can disagree, and an
# avis could be typed in without any deliberation (issue #10).
SESSION_TRANSITIONS = frozenset({"schedule", "adjourn", "record_commission_avis"})


@dataclass(frozen=True)
class TransitionRequest:
    name: str
    data: dict[str, Any]
    comment: str = ""
    expected_state: str | None = None


def _lock(*, access: Access, dossier_id: int) -> Dossier:
    scope = Dossier.objects.all()
    if not access.has_any(FULL_SCOPE_ROLES):
        scope = scope.filter(association_id__in=acting_associations(access=access))
    try:
        dossier = (
            scope.select_for_update(nowait=True, of=("self",))
            .select_related("workflow_variant", "pathway")
            .filter(pk=dossier_id)
            .first()
        )
    except DatabaseError as exc:
        raise TransitionConflict(
            [
                "Ce dossier est en cours de modification par une autre personne : rechargez la page puis réessayez."
            ]
        ) from exc
    if dossier is None:
        raise NotInScope
    return dossier


def dossier_transition(
    *, access: Access, dossier_id: int, request: TransitionRequest, from_session: bool = False
) -> Dossier:
    """Fire a workflow transition: role, guards, row lock, history, audit, effects — or nothing.

    `from_session` is set only by the commission's services, which own SESSION_TRANSITIONS."""
    from tenants.casework.forms import FORM_HANDLERS

    if request.name in SESSION_TRANSITIONS and not from_session:
        raise CaseworkError(
            [
                "Cette étape se fait depuis la séance de la commission : inscription à l'ordre du "
                "jour d'une séance prévue ou convoquée, retrait de l'ordre du jour, ou avis issu "
                "du vote en séance."
            ]
        )
    with transaction.atomic():
        dossier = _lock(access=access, dossier_id=dossier_id)
        workflow: Workflow = dossier.workflow_variant.workflow
        transition: Transition | None = workflow.transitions.get(request.name)
        if transition is None:
            raise CaseworkError([f"Action inconnue pour ce dossier : {request.name}."])
        if request.expected_state and request.expected_state != dossier.state:
            raise TransitionConflict(
                [
                    f"Le dossier a changé entre-temps (il est maintenant « {workflow.states[dossier.state].label} ») : rechargez la page."
                ]
            )
        if dossier.state not in transition.sources:
            raise CaseworkError(
                [
                    f"« {transition.label} » n'est pas possible quand le dossier est « {workflow.states[dossier.state].label} »."
                ]
            )
        role = _actor_role(access, transition.roles)
        if not role:
            labels = ", ".join(sorted(Role(r).label for r in transition.roles))
            raise CaseworkError(
                [f"« {transition.label} » est réservé à : {labels}."], forbidden=True
            )
        if role == Role.ASSOCIATION_WORKER.value:
            _require_approval(association_id=dossier.association_id)
        handler = FORM_HANDLERS.get(transition.form)
        cleaned = (
            handler(dossier=dossier, data=request.data, comment=request.comment) if handler else {}
        )
        reasons = [
            reason
            for name in transition.guards
            if (reason := GUARDS[name](dossier=dossier, workflow=workflow, data=cleaned))
            is not None
        ]
        if reasons:
            raise CaseworkError(reasons)
        for field, value in cleaned.items():
            if hasattr(dossier, field):
                setattr(dossier, field, value)
        previous = dossier.state
        _account_clock(dossier=dossier, workflow=workflow, before=previous, after=transition.target)
        dossier.state = transition.target
        dossier.save()
        DossierEvent.objects.create(
            dossier=dossier,
            transition=transition.name,
            from_state=previous,
            to_state=transition.target,
            actor_id=access.user_id,
            actor_role=role,
            comment=request.comment.strip(),
        )
        for name in transition.effects:
            EFFECTS[name](dossier=dossier, workflow=workflow, data=cleaned, access=access)
        audit_record(
            action=f"dossier.transition.{transition.name}",
            actor_id=access.user_id,
            actor_role=role,
            object_type="dossier",
            object_id=dossier.pk,
            data={"from": previous, "to": transition.target},
        )
        return dossier


def _account_clock(*, dossier: Dossier, workflow: Workflow, before: str, after: str) -> None:
    """The processing-delay clock starts at submission and pauses while items are awaited."""
    now = timezone.now()
    if dossier.submitted_at is None and workflow.states[after].clock == "running":
        dossier.submitted_at = now
    was_paused = workflow.states[before].clock == "paused"
    paused = workflow.states[after].clock == "paused"
    if paused and not was_paused:
        dossier.clock_paused_since = now
    if was_paused and not paused and dossier.clock_paused_since:
        dossier.paused_seconds += int((now - dossier.clock_paused_since).total_seconds())
        dossier.clock_paused_since = None
    if workflow.states[after].clock == "stopped" and dossier.closed_at is None:
        dossier.closed_at = now


def processing_days(*, dossier: Dossier, now: dt.datetime | None = None) -> int | None:
    """Days the file has been waiting on the administration (pauses excluded)."""
    if dossier.submitted_at is None:
        return None
    end = dossier.decided_at or dossier.closed_at or now or timezone.now()
    paused = dossier.paused_seconds
    if dossier.clock_paused_since:
        paused += int((end - dossier.clock_paused_since).total_seconds())
    return max(0, int(((end - dossier.submitted_at).total_seconds() - paused) // 86400))


def period_open(*, dossier: Dossier, starts_on: dt.date) -> Period:
    pathway = dossier.pathway
    months = int(legal_parameter_value(key="psp_period_months", on=starts_on))
    number = pathway.periods.count() + 1
    period = Period.objects.create(
        pathway=pathway,
        dossier=dossier,
        number=number,
        starts_on=starts_on,
        ends_on=starts_on + relativedelta(months=months) - dt.timedelta(days=1),
    )
    if pathway.status != PathwayStatus.ACTIVE:
        pathway.status = PathwayStatus.ACTIVE
        pathway.save(update_fields=["status"])
    return period


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
        audit_record(
            action="document.uploaded",
            actor_id=access.user_id,
            actor_role=Role.ASSOCIATION_WORKER.value,
            object_type="dossier",
            object_id=dossier.pk,
            data={"document": document.pk, "doc_type": doc_type},
        )
        return document


def pathway_end_early(*, access: Access, pathway_id: int, on: dt.date, reason: str) -> Pathway:
    """The préfet ends the pathway early, where the département's workflow allows it.

    The AFIS stops from the first day of the following month.
    """
    if Role.PREFET not in access.roles:
        raise CaseworkError(["Seul le préfet peut mettre fin à un parcours."], forbidden=True)
    if len(reason.strip()) < 10:
        raise CaseworkError(
            ["Motivez la fin anticipée."],
            fields={"reason": ["Motivez la fin anticipée (10 caractères au moins)."]},
        )
    with transaction.atomic():
        pathway = Pathway.objects.select_for_update().filter(pk=pathway_id).first()
        if pathway is None:
            raise NotInScope
        if pathway.status != PathwayStatus.ACTIVE:
            raise CaseworkError(["Seul un parcours en cours peut être arrêté."])
        last = pathway.dossiers.order_by("-number").select_related("workflow_variant").first()
        assert last is not None
        if not last.workflow_variant.workflow.options.get("early_end_of_pathway"):
            raise CaseworkError(
                [
                    "Ce département n'a pas prévu la fin anticipée du parcours (option de son modèle de parcours) : "
                    "seul l'arrêt de l'AFIS est possible."
                ]
            )
        period = pathway.periods.order_by("-number").first()
        if period is None or not period.starts_on <= on <= period.ends_on:
            raise CaseworkError(
                ["La date de fin doit tomber dans la période en cours."],
                fields={"on": ["Date hors de la période en cours."]},
            )
        period.ended_early_on = on
        period.save(update_fields=["ended_early_on"])
        pathway.status = PathwayStatus.ENDED_EARLY
        pathway.ended_on = on
        pathway.end_reason = reason.strip()
        pathway.save(update_fields=["status", "ended_on", "end_reason"])
        afis_stop = on.replace(day=1) + relativedelta(months=1)
        Right.objects.filter(person=pathway.person, right_type="afis", status="granted").update(
            ends_on=afis_stop
        )
        audit_record(
            action="pathway.ended_early",
            actor_id=access.user_id,
            actor_role=Role.PREFET.value,
            object_type="pathway",
            object_id=pathway.pk,
            data={"on": on.isoformat(), "afis_stops_on": afis_stop.isoformat()},
        )
        return pathway


def pathway_exit(*, access: Access, pathway_id: int, outcome: str, on: dt.date) -> Pathway:
    """Record the person's exit from the pathway with its outcome (nomenclature exit_outcome)."""
    from parcours.referentiel.models import NomenclatureItem

    role = _actor_role(access, {"coordinator", "association_worker"})
    if not role:
        raise CaseworkError(
            ["La sortie est enregistrée par la coordination ou l'association."], forbidden=True
        )
    if not NomenclatureItem.objects.filter(
        kind="exit_outcome", code=outcome, is_active=True
    ).exists():
        raise CaseworkError(
            ["Issue de sortie inconnue."], fields={"outcome": ["Choisissez une issue de la liste."]}
        )
    if on > timezone.localdate():
        raise CaseworkError(
            ["La date de sortie est dans le futur."], fields={"on": ["Date dans le futur."]}
        )
    with transaction.atomic():
        pathways = Pathway.objects.select_for_update().filter(pk=pathway_id)
        if role == "association_worker":
            pathways = pathways.filter(
                person__association_id__in=acting_associations(access=access)
            )
        pathway = pathways.first()
        if pathway is None:
            raise NotInScope
        if pathway.status not in {
            PathwayStatus.ACTIVE,
            PathwayStatus.ENDED_EARLY,
            PathwayStatus.COMPLETED,
        }:
            raise CaseworkError(["Seul un parcours commencé peut se conclure par une sortie."])
        pathway.status = PathwayStatus.EXITED
        pathway.exit_outcome = outcome
        pathway.exited_on = on
        pathway.save(update_fields=["status", "exit_outcome", "exited_on"])
        audit_record(
            action="pathway.exited",
            actor_id=access.user_id,
            actor_role=role,
            object_type="pathway",
            object_id=pathway.pk,
            data={"outcome": outcome},
        )
        return pathway


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
        dossier = Dossier.objects.select_for_update().filter(pk=dossier_id).first()
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
        audit_record(
            action="dossier.notification_recorded",
            actor_id=access.user_id,
            actor_role=Role.COORDINATOR.value,
            object_type="dossier",
            object_id=dossier.pk,
            data={"channel": channel},
        )
        return dossier


def appeal_deadline(*, dossier: Dossier) -> dt.date | None:
    """Last day to appeal (None until notified): a délai franc from the notification.

    The delay runs from the day the person received the decision: the acknowledgement of
    receipt when one is recorded later than the sending. It ends the day after the same date
    `appeal_delay_months` later, pushed past weekends and the département's public holidays
    (`referentiel/calendar.py`).
    """
    if dossier.notified_on is None:
        return None
    received = max(dossier.notified_on, dossier.notification_acknowledged_on or dossier.notified_on)
    months = int(legal_parameter_value(key="appeal_delay_months", on=received))
    return delai_franc_last_day(
        start=received,
        months=months,
        departement_code=Tenant.code_for(connection.schema_name),
    )


def extra_fields_errors(*, schema: dict[str, Any], values: dict[str, Any]) -> dict[str, list[str]]:
    """The département's complementary fields checked against their JSON Schema, in French."""
    from jsonschema import Draft202012Validator

    errors: dict[str, list[str]] = {}
    for error in Draft202012Validator(schema).iter_errors(values):
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else "extra"
            errors.setdefault(missing, []).append("Ce champ complémentaire est obligatoire.")
        else:
            field = str(error.path[0]) if error.path else "extra"
            errors.setdefault(field, []).append(
                f"Valeur refusée ({error.validator} : {error.message})."
            )
    return errors


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
            Dossier.objects.select_for_update()
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
        audit_record(
            action="project.action_saved",
            actor_id=access.user_id,
            actor_role=Role.ASSOCIATION_WORKER.value,
            object_type="dossier",
            object_id=dossier.pk,
            data={"action": action.pk, "status": status},
        )
        return action
