"""Firing a workflow transition on a file: the engine every step of the procedure goes through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.audit.services import audit_record
from parcours.errors import NotInScope
from parcours.workflows.definition import Clock, Transition, Workflow
from tenants.agrements.selectors import acting_associations
from tenants.casework.acting import actor_role, require_approval
from tenants.casework.errors import CaseworkError, TransitionConflict
from tenants.casework.forms import transition_write
from tenants.casework.models import Dossier, DossierEvent
from tenants.casework.persons import person_contact_touch
from tenants.casework.selectors import FULL_SCOPE_ROLES
from tenants.casework.workflow_hooks import EFFECTS, GUARDS


@dataclass(frozen=True)
class TransitionRequest:
    name: str
    data: dict[str, Any]
    comment: str = ""
    expected_state: str | None = None


def _lock(*, access: Access, dossier_id: int) -> Dossier:
    scope = Dossier.objects.in_active_base()
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


def _role_for(access: Access, transition: Transition) -> str:
    """The role the transition is fired with; refused (403) to a person with none of them."""
    role = actor_role(access, transition.roles)
    if not role:
        labels = ", ".join(sorted(Role(r).label for r in transition.roles))
        raise CaseworkError([f"« {transition.label} » est réservé à : {labels}."], forbidden=True)
    return role


def dossier_transition(
    *, access: Access, dossier_id: int, request: TransitionRequest, from_session: bool = False
) -> Dossier:
    """Fire a workflow transition: role, guards, row lock, history, audit, effects — or nothing.

    `from_session` is set only by the commission's services, which own the workflow's
    `session_transitions`. The role is checked before that: a person who may not fire the
    transition at all is refused as such (403), wherever she tried it from."""
    with transaction.atomic():
        dossier = _lock(access=access, dossier_id=dossier_id)
        workflow: Workflow = dossier.workflow_variant.workflow
        transition = workflow.transitions.get(request.name)
        if transition is None:
            raise CaseworkError([f"Action inconnue pour ce dossier : {request.name}."])
        if request.expected_state and request.expected_state != dossier.state:
            raise TransitionConflict(
                [
                    f"Le dossier a changé entre-temps (il est maintenant « {workflow.label(dossier.state)} ») : rechargez la page."
                ]
            )
        if dossier.state not in transition.sources:
            raise CaseworkError(
                [
                    f"« {transition.label} » n'est pas possible quand le dossier est « {workflow.label(dossier.state)} »."
                ]
            )
        role = _role_for(access, transition)
        if transition.name in workflow.session_transitions and not from_session:
            raise CaseworkError(
                [
                    "Cette étape se fait depuis la séance de la commission : inscription à l'ordre du "
                    "jour d'une séance prévue ou convoquée, retrait de l'ordre du jour, ou avis issu "
                    "du vote en séance."
                ]
            )
        if role == Role.ASSOCIATION_WORKER.value:
            require_approval(association_id=dossier.association_id)
        transition_write(
            dossier=dossier,
            workflow=workflow,
            form=transition.form,
            data=request.data,
            comment=request.comment,
        )
        reasons = [
            reason
            for name in transition.guards
            if (reason := GUARDS[name](dossier, workflow)) is not None
        ]
        if reasons:
            raise CaseworkError(reasons)
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
            EFFECTS[name](dossier, workflow)
        person_contact_touch(person_id=dossier.person_id, on=timezone.localdate())
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
    if dossier.submitted_at is None and workflow.clock(after) is Clock.RUNNING:
        dossier.submitted_at = now
    was_paused = workflow.clock(before) is Clock.PAUSED
    paused = workflow.clock(after) is Clock.PAUSED
    if paused and not was_paused:
        dossier.clock_paused_since = now
    if was_paused and not paused and dossier.clock_paused_since:
        dossier.paused_seconds += int((now - dossier.clock_paused_since).total_seconds())
        dossier.clock_paused_since = None
    if workflow.clock(after) is Clock.STOPPED and dossier.closed_at is None:
        dossier.closed_at = now
