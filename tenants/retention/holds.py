"""Legal holds: the DPO keeps a person's data out of anonymisation, with a reason."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.audit.services import audit_record
from parcours.errors import NotInScope
from tenants.casework.models import Lifecycle, Person
from tenants.retention.errors import RetentionError
from tenants.retention.models import LegalHold

REASON_MIN = 10
REASON_MAX = 2000


def require_dpo(access: Access) -> None:
    if Role.DPO not in access.roles:
        raise RetentionError(
            ["La conservation des données est du ressort du ou de la DPO."], forbidden=True
        )


def clean_reason(reason: str, *, field: str = "reason") -> str:
    """A stated reason: long enough to mean something, short enough to be a reason."""
    text = (reason or "").strip()
    if len(text) < REASON_MIN or len(text) > REASON_MAX:
        message = f"Motivez en {REASON_MIN} à {REASON_MAX} caractères."
        raise RetentionError([message], fields={field: [message]})
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
        message = "Le motif contient des caractères de contrôle."
        raise RetentionError([message], fields={field: [message]})
    return text


def legal_hold_set(*, access: Access, person_id: int, reason: str) -> LegalHold:
    """The DPO holds a person's data: archived at the end of its active life, never anonymised
    while the hold stands. An anonymised person has nothing left to hold."""
    require_dpo(access)
    text = clean_reason(reason)
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(pk=person_id).first()
        if person is None:
            raise NotInScope
        if person.lifecycle == Lifecycle.ANONYMISED:
            raise RetentionError(["Les données de cette personne sont déjà anonymisées."])
        if LegalHold.objects.filter(person=person, lifted_at__isnull=True).exists():
            raise RetentionError(["Un gel juridique est déjà posé sur cette personne."])
        try:
            with transaction.atomic():
                hold = LegalHold.objects.create(
                    person=person, reason=text, set_by_id=access.user_id or 0
                )
        except IntegrityError as exc:  # set at the same moment by someone else
            raise RetentionError(["Un gel juridique est déjà posé sur cette personne."]) from exc
        # The reason is free text about a person: it stays in the hold, never in the trail.
        audit_record(
            action="retention.hold_set",
            actor_id=access.user_id,
            actor_role=Role.DPO.value,
            object_type="person",
            object_id=person.pk,
            data={"hold": hold.pk},
        )
        return hold


def legal_hold_lift(*, access: Access, hold_id: int, reason: str) -> LegalHold:
    """The DPO lifts a hold, saying why; the next sweep treats the person by the common rule."""
    require_dpo(access)
    text = clean_reason(reason)
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().filter(pk=hold_id).first()
        if hold is None:
            raise NotInScope
        if hold.lifted_at is not None:
            raise RetentionError(["Ce gel juridique est déjà levé."])
        hold.lifted_at = timezone.now()
        hold.lifted_by_id = access.user_id
        hold.lift_reason = text
        hold.save(update_fields=["lifted_at", "lifted_by_id", "lift_reason"])
        audit_record(
            action="retention.hold_lifted",
            actor_id=access.user_id,
            actor_role=Role.DPO.value,
            object_type="person",
            object_id=hold.person_id,
            data={"hold": hold.pk},
        )
        return hold
