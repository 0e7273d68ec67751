"""Handing an association's persons and files over to another one, after its approval ends.

It lives with the follow-up because it moves the follow-up's rows; the approvals only say who
may take them over (`tenants.agrements.selectors`), so the dependency points one way.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.audit.services import audit_record
from parcours.errors import Refused
from tenants.agrements.selectors import agrements_valid_on
from tenants.casework.models import Dossier, Person


def files_handover(*, access: Access, from_association_id: int, to_association_id: int) -> int:
    """After a withdrawal, hand the persons and all their files over to another approved
    association: decided files too, since the withdrawn one may no longer read any of them and
    the pathway they opened is followed by the new one."""
    if Role.COORDINATOR not in access.roles:
        raise Refused(["Les agréments sont instruits par la coordination (DDFE)."], forbidden=True)
    if to_association_id not in {
        a.association_id for a in agrements_valid_on(day=timezone.localdate())
    }:
        raise Refused(
            ["L'association qui reprend les dossiers doit être agréée dans le département."]
        )
    with transaction.atomic():
        persons = Person.objects.select_for_update().filter(association_id=from_association_id)
        count = persons.update(association_id=to_association_id)
        files = Dossier.objects.filter(association_id=from_association_id).update(
            association_id=to_association_id
        )
        audit_record(
            action="agrement.handover",
            actor_id=access.user_id,
            object_type="association",
            object_id=from_association_id,
            data={"to": to_association_id, "persons": count, "files": files},
        )
        return count
