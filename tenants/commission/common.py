"""What every write on the commission shares: its refusal, the coordination's hand, its audit
row and the order in which a session and its items are locked."""

from __future__ import annotations

from parcours.accounts.models import Role, User
from parcours.accounts.permissions import Access
from parcours.audit.services import audit_record
from parcours.errors import NotInScope, Refused
from parcours.referentiel.models import NomenclatureItem
from tenants.commission.models import AgendaItem, Member, Session

# A commission has a few dozen members at most: a sheet (attendance, votes) longer than this
# is not one.
SHEET_MAX_ROWS = 200


class CommissionError(Refused):
    """A commission rule refused the request; nothing was recorded."""


def coordinator_only(access: Access) -> None:
    if Role.COORDINATOR not in access.roles:
        raise CommissionError(["La commission est organisée par la coordination (DDFE)."])


def audit(access: Access, action: str, object_type: str, object_id: int, **data: object) -> None:
    audit_record(
        action=action,
        actor_id=access.user_id,
        actor_role=Role.COORDINATOR.value,
        object_type=object_type,
        object_id=object_id,
        data=dict(data),
    )


def locked_session(session_id: int) -> Session:
    session = Session.objects.select_for_update().filter(pk=session_id).first()
    if session is None:
        raise NotInScope("Séance inconnue.")
    return session


def locked_item(item_id: int) -> AgendaItem:
    """The item, its session locked first: attendance, votes and closings of one session are
    serialised (the quorum counted when an avis is made is the one that holds), always in the
    order session then item, as agenda changes take them."""
    session_id = AgendaItem.objects.filter(pk=item_id).values_list("session_id", flat=True).first()
    if session_id is None:
        raise NotInScope("Point de l'ordre du jour inconnu.")
    locked_session(session_id)
    return (
        AgendaItem.objects.select_for_update(of=("self",))
        .select_related("session", "dossier")
        .get(pk=item_id)
    )


def next_position(session: Session) -> int:
    return (session.items.order_by("-position").values_list("position", flat=True).first() or 0) + 1


def member_label(member: Member | None) -> str:
    """A member as a refusal names them ("Claire Martin, magistrat"): read only when a line of
    a sheet is refused, so the happy path pays no query for it."""
    if member is None:
        return "membre inconnu"
    user = User.objects.filter(pk=member.user_id).first()
    college = (
        NomenclatureItem.objects.filter(kind="college", code=member.college)
        .values_list("label", flat=True)
        .first()
        or member.college
    )
    name = user.display_name if user is not None else f"membre n° {member.pk}"
    return f"{name}, {college}{', suppléant' if member.titular_id else ''}"
