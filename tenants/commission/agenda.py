"""The agenda of a session: files scheduled onto it (and taken off it), policy items."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from parcours.accounts.permissions import Access
from parcours.workflows.definition import LegalTransition
from tenants.casework.models import Dossier
from tenants.casework.services import TransitionRequest, dossier_transition
from tenants.commission.common import (
    CommissionError,
    audit,
    coordinator_only,
    locked_session,
    next_position,
)
from tenants.commission.models import AgendaItem, Session, SessionStatus


def same_agenda_as_first(session: Session) -> None:
    # Deliberating without quorum is allowed only on the agenda the failed session had.
    if session.second_convocation:
        raise CommissionError(
            [
                "Une seconde convocation porte sur l'ordre du jour de la séance sans quorum : "
                "inscrivez ce point à une autre séance."
            ]
        )


def agenda_add_file(*, access: Access, session_id: int, dossier_id: int) -> AgendaItem:
    """Put a complete file on the agenda: it is scheduled for this session (workflow transition)."""
    coordinator_only(access)
    with transaction.atomic():
        session = locked_session(session_id)
        if session.status in {SessionStatus.OPEN, SessionStatus.CLOSED}:
            raise CommissionError(["L'ordre du jour d'une séance ouverte ou close ne change plus."])
        same_agenda_as_first(session)
        if not session.takes_files(timezone.now()):
            # The same rule as the list of sessions the file's page offers.
            raise CommissionError(
                ["L'heure de cette séance est passée : inscrivez le dossier à une séance à venir."]
            )
        dossier_transition(
            access=access,
            dossier_id=dossier_id,
            request=TransitionRequest(
                name=LegalTransition.SCHEDULE,
                data={"session_on": timezone.localtime(session.starts_at).date().isoformat()},
            ),
            from_session=True,
        )
        position = next_position(session)
        item = AgendaItem.objects.create(session=session, position=position, dossier_id=dossier_id)
        audit(access, "commission.agenda_file_added", "session", session.pk, dossier=dossier_id)
        return item


def agenda_add_policy(*, access: Access, session_id: int, title: str) -> AgendaItem:
    coordinator_only(access)
    if len(title.strip()) < 5:
        raise CommissionError(
            ["Intitulé trop court."], fields={"title": ["Indiquez l'intitulé du point."]}
        )
    with transaction.atomic():
        session = locked_session(session_id)
        if session.status == SessionStatus.CLOSED:
            raise CommissionError(["La séance est close."])
        same_agenda_as_first(session)
        position = next_position(session)
        item = AgendaItem.objects.create(session=session, position=position, title=title.strip())
        audit(access, "commission.agenda_item_added", "session", session.pk)
        return item


def agenda_remove_file(*, access: Access, session_id: int, dossier_id: int, reason: str) -> Dossier:
    """Take a file off the agenda of a session not yet closed: the file goes back to the files
    to schedule (workflow `adjourn`) in the same transaction."""
    coordinator_only(access)
    if len(reason.strip()) < 5:
        raise CommissionError(
            ["Précisez la raison du retrait."], fields={"reason": ["5 caractères au moins."]}
        )
    with transaction.atomic():
        session = locked_session(session_id)
        if session.status == SessionStatus.CLOSED:
            raise CommissionError(["La séance est close."])
        item = session.items.filter(dossier_id=dossier_id).first()
        if item is None:
            raise CommissionError(["Ce dossier n'est pas à l'ordre du jour de cette séance."])
        if item.closed_at:
            raise CommissionError(["La commission a déjà rendu son avis sur ce dossier."])
        item.delete()
        dossier = dossier_transition(
            access=access,
            dossier_id=dossier_id,
            request=TransitionRequest(
                name=LegalTransition.ADJOURN, data={}, comment=reason.strip()
            ),
            from_session=True,
        )
        audit(access, "commission.agenda_file_removed", "session", session.pk, dossier=dossier_id)
        return dossier


def adjourn_pending(*, access: Access, session: Session, comment: str) -> None:
    pending = session.items.filter(closed_at__isnull=True, dossier__isnull=False)
    for dossier in Dossier.objects.filter(agenda_items__in=pending):
        if dossier.state in dossier.workflow.on_agenda_states:
            dossier_transition(
                access=access,
                dossier_id=dossier.pk,
                request=TransitionRequest(name=LegalTransition.ADJOURN, data={}, comment=comment),
                from_session=True,
            )
