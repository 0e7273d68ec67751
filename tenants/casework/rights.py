"""Rights and services followed for a person: lifecycle, AFIS eligibility and amount, APS."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.audit.services import audit_record
from parcours.errors import NotInScope
from parcours.referentiel.models import NomenclatureItem
from parcours.referentiel.selectors import legal_parameter_value, nomenclature_choices
from tenants.agrements.selectors import acting_associations
from tenants.casework.models import Person, Right, RightStatus
from tenants.casework.persons import person_contact_touch
from tenants.casework.selectors import FULL_SCOPE_ROLES
from tenants.casework.services import CaseworkError

# R.121-12-13-1: every item must hold for the AFIS to be granted.
AFIS_CHECKLIST = {
    "adult": "La personne a plus de 18 ans",
    "residence": "Nationalité française ou UE, titre de séjour ou APS autorisant à travailler",
    "resources_below_rsa": "Ressources du foyer inférieures au RSA pour une personne seule",
    "no_rsa": "Pas de droit ouvert au RSA",
    "no_ada": "Pas de droit à l'allocation pour demandeur d'asile (ADA)",
}
ALLOWED = {
    RightStatus.TODO: {RightStatus.REQUESTED},
    RightStatus.REQUESTED: {RightStatus.GRANTED, RightStatus.REFUSED},
    RightStatus.GRANTED: {RightStatus.ENDED},
    RightStatus.REFUSED: {RightStatus.REQUESTED},
    RightStatus.ENDED: {RightStatus.REQUESTED},
}


@dataclass(frozen=True)
class AfisAmount:
    monthly: Decimal
    base: Decimal
    per_child: Decimal
    children: int
    on: dt.date


def afis_amount(*, children: int, on: dt.date, territory: str) -> AfisAmount:
    """The monthly AFIS on `on`: the dated base (Mayotte's own) plus the dated per-child supplement."""
    base = legal_parameter_value(key="afis_monthly_amount", on=on, territory=territory)
    per_child = legal_parameter_value(key="afis_child_supplement", on=on, territory=territory)
    return AfisAmount(base + per_child * children, base, per_child, children, on)


def _person_in_scope(access: Access, person_id: int) -> Person:
    persons = Person.objects.in_active_base().select_for_update()
    if not access.has_any(FULL_SCOPE_ROLES):
        persons = persons.filter(association_id__in=acting_associations(access=access))
    person = persons.filter(pk=person_id).first()
    if person is None:
        raise NotInScope
    if not access.has_any({Role.COORDINATOR, Role.ASSOCIATION_WORKER}):
        # The préfet reads the rights of every person; following them is not theirs to do.
        raise CaseworkError(
            ["Les droits sont suivis par la coordination et l'association."], forbidden=True
        )
    return person


def right_update(
    *,
    access: Access,
    person_id: int,
    right_type: str,
    status: str,
    on: dt.date,
    ends_on: dt.date | None = None,
    details: dict[str, Any] | None = None,
) -> Right:
    """Move a right along its lifecycle (to do → requested → granted/refused → ended)."""
    if not NomenclatureItem.objects.filter(kind="right_type", code=right_type).exists():
        raise CaseworkError(
            [f"Droit inconnu : {right_type}."], fields={"right_type": ["Droit inconnu."]}
        )
    if status not in RightStatus.values:
        raise CaseworkError(["État inconnu."], fields={"status": ["État inconnu."]})
    if on > timezone.localdate():
        raise CaseworkError(["La date est dans le futur."], fields={"on": ["Date dans le futur."]})
    with transaction.atomic():
        person = _person_in_scope(access, person_id)
        right, _ = Right.objects.select_for_update().get_or_create(
            person=person,
            right_type=right_type,
            defaults={"pathway": person.pathways.order_by("-created_at").first()},
        )
        current = RightStatus(right.status)
        target = RightStatus(status)
        if target not in ALLOWED[current]:
            raise CaseworkError(
                [f"Un droit « {current.label} » ne peut pas passer à « {target.label} »."],
                fields={"status": ["Étape impossible depuis l'état actuel."]},
            )
        merged = {**right.details, **(details or {})}
        if right_type == "afis" and target == RightStatus.GRANTED:
            checklist = merged.get("checklist") or {}
            missing = [label for code, label in AFIS_CHECKLIST.items() if not checklist.get(code)]
            if missing:
                raise CaseworkError(
                    [
                        "Conditions de l'AFIS non vérifiées (R.121-12-13-1) : "
                        + " ; ".join(missing)
                        + "."
                    ],
                    fields={"checklist": missing},
                )
            tenant = access.tenant
            amount = afis_amount(
                children=person.children_count, on=on, territory=tenant.code if tenant else ""
            )
            merged["monthly_amount"] = str(amount.monthly)
            merged["amount_basis"] = {
                "base": str(amount.base),
                "per_child": str(amount.per_child),
                "children": amount.children,
                "on": on.isoformat(),
            }
        if target == RightStatus.REQUESTED:
            right.requested_on = on
        elif target == RightStatus.GRANTED:
            if right.requested_on and on < right.requested_on:
                raise CaseworkError(
                    ["L'obtention ne peut pas précéder la demande."],
                    fields={"on": ["Date antérieure à la demande."]},
                )
            right.granted_on = on
            right.ends_on = ends_on
            # A right follows the pathway in force when it is granted (an AFIS stops with it).
            right.pathway = person.pathways.order_by("-created_at").first()
        elif target == RightStatus.REFUSED:
            if right.requested_on and on < right.requested_on:
                raise CaseworkError(
                    ["Le refus ne peut pas précéder la demande."],
                    fields={"on": ["Date antérieure à la demande."]},
                )
            right.refused_on = on
        elif target == RightStatus.ENDED:
            right.ends_on = on
        if right.ends_on and right.granted_on and right.ends_on < right.granted_on:
            raise CaseworkError(
                ["La fin ne peut pas précéder l'obtention."],
                fields={"ends_on": ["Date antérieure à l'obtention."]},
            )
        right.status = target
        right.details = merged
        right.save()
        person_contact_touch(person_id=person.pk, on=on)
        audit_record(
            action="right.updated",
            actor_id=access.user_id,
            object_type="person",
            object_id=person.pk,
            data={"right": right_type, "from": current.value, "to": target.value},
        )
        return right


def afis_transmit_to_msa(*, access: Access, person_id: int, on: dt.date) -> Right:
    """Record the transmission of a granted AFIS to the MSA, which pays it."""
    if Role.COORDINATOR not in access.roles:
        raise CaseworkError(
            ["La transmission à la MSA est faite par la coordination."], forbidden=True
        )
    with transaction.atomic():
        person = _person_in_scope(access, person_id)
        right = (
            Right.objects.select_for_update()
            .filter(person=person, right_type="afis", status=RightStatus.GRANTED)
            .first()
        )
        if right is None:
            raise CaseworkError(["Aucune AFIS accordée à transmettre."])
        right.details = {**right.details, "transmitted_to_msa_on": on.isoformat()}
        right.save(update_fields=["details", "updated_at"])
        audit_record(
            action="right.afis_transmitted",
            actor_id=access.user_id,
            object_type="person",
            object_id=person.pk,
        )
        return right


def rights_panel(*, person: Person) -> list[dict[str, Any]]:
    """Every right type with the person's state of it (a 'to do' line where nothing exists yet)."""
    existing = {r.right_type: r for r in person.rights.all()}
    return [
        {
            "type": code,
            "label": label,
            "right": existing.get(code),
            "status_label": existing[code].get_status_display()
            if code in existing
            else RightStatus.TODO.label,
        }
        for code, label in nomenclature_choices(kind="right_type")
    ]
