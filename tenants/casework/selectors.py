"""Permission-checked reads of case data; every read of a person's data is audited."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.audit.services import audit_record
from parcours.errors import NotInScope
from tenants.agrements.selectors import acting_associations
from tenants.casework.models import Dossier, DossierEvent, Person, Reminder

# Who may open persons' files at all; an association worker only those of her association(s).
CASE_ROLES = frozenset({Role.COORDINATOR, Role.PREFET, Role.ASSOCIATION_WORKER})
FULL_SCOPE_ROLES = frozenset({Role.COORDINATOR, Role.PREFET})
IDENTITY_ROLES = frozenset({Role.COORDINATOR, Role.PREFET, Role.ASSOCIATION_WORKER})


def _scope_persons(access: Access) -> QuerySet[Person]:
    if access.has_any(FULL_SCOPE_ROLES):
        return Person.objects.all()
    if Role.ASSOCIATION_WORKER in access.roles:
        return Person.objects.filter(association_id__in=acting_associations(access=access))
    return Person.objects.none()


def _scope_dossiers(access: Access) -> QuerySet[Dossier]:
    if access.has_any(FULL_SCOPE_ROLES):
        return Dossier.objects.all()
    if Role.ASSOCIATION_WORKER in access.roles:
        return Dossier.objects.filter(association_id__in=acting_associations(access=access))
    return Dossier.objects.none()


def persons_visible(*, access: Access) -> QuerySet[Person]:
    return _scope_persons(access).order_by("-created_at")


def dossiers_visible(*, access: Access) -> QuerySet[Dossier]:
    return _scope_dossiers(access).select_related("person").order_by("-created_at")


def person_get(*, access: Access, pk: int, reason: str = "") -> Person:
    person = _scope_persons(access).filter(pk=pk).first()
    if person is None:
        raise NotInScope
    audit_record(
        action="person.read",
        actor_id=access.user_id,
        actor_role=_role(access),
        object_type="person",
        object_id=person.pk,
        reason=reason,
    )
    return person


def dossier_get(*, access: Access, pk: int, reason: str = "") -> Dossier:
    dossiers = _scope_dossiers(access).select_related("person", "pathway", "workflow_variant")
    dossier = dossiers.filter(pk=pk).first()
    if dossier is None:
        raise NotInScope
    audit_record(
        action="dossier.read",
        actor_id=access.user_id,
        actor_role=_role(access),
        object_type="dossier",
        object_id=dossier.pk,
        reason=reason,
    )
    return dossier


def _role(access: Access) -> str:
    return ",".join(sorted(role.value for role in access.roles))


def person_identity(*, access: Access, person: Person) -> dict[str, str] | None:
    """The decrypted identity, for the roles that need it; None for the others."""
    from tenants.casework.crypto import decrypt_json

    if not access.has_any(IDENTITY_ROLES):
        return None
    return decrypt_json(person.identity_encrypted, purpose=f"person:{person.pseudonym}:identity")


def transitions_available(*, access: Access, dossier: Dossier) -> list[dict[str, str]]:
    """What this person may try on the file now (guards are checked when it is fired)."""
    from tenants.casework.services import SESSION_TRANSITIONS

    workflow = dossier.workflow_variant.workflow
    mine = {role.value for role in access.roles}
    return [
        {"name": t.name, "label": t.label, "form": t.form}
        for t in workflow.transitions_from(dossier.state)
        if t.roles & mine and t.name not in SESSION_TRANSITIONS
    ]


def dossier_timeline(*, dossier: Dossier) -> list[DossierEvent]:
    return list(dossier.events.order_by("at", "id"))


def reminders_for(*, access: Access, limit: int = 20) -> list[Reminder]:
    """Open reminders addressed to one of the person's roles (an association: only its own)."""
    roles = {role.value for role in access.roles}
    mine = Q(role__in=roles - {"association_worker"})
    if "association_worker" in roles:
        mine |= Q(role="association_worker", association_id__in=acting_associations(access=access))
    reminders = Reminder.objects.filter(mine, done_at__isnull=True)
    return list(reminders.order_by("due_on", "id")[:limit])
