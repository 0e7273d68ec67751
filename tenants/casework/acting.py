"""On whose behalf a person acts on case data: the role a step is fired with, and the
association's approval in force that every association's write requires."""

from __future__ import annotations

from django.utils import timezone

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from tenants.agrements.selectors import agrements_valid_on
from tenants.casework.errors import CaseworkError


def actor_role(access: Access, allowed: set[str] | frozenset[str]) -> str:
    """The first of the person's roles (in a stable order) that `allowed` lists, or ""."""
    for role in sorted(access.roles):
        if role.value in allowed:
            return role.value
    return ""


def require_worker(access: Access) -> int:
    """The association on whose behalf a worker acts here, provided its approval is in force."""
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


def require_approval(*, association_id: int) -> None:
    """An association acts in a département only while its approval there is in force."""
    if association_id not in {
        a.association_id for a in agrements_valid_on(day=timezone.localdate())
    }:
        raise CaseworkError(
            [
                "Votre association n'est pas agréée dans ce département à ce jour : elle ne peut pas agir sur ce dossier."
            ]
        )
