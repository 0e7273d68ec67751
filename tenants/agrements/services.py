"""Instructing approvals: completeness, tacit approval, decision, renewal, withdrawal, handover."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.associations.models import Association
from parcours.audit.services import audit_record
from parcours.errors import NotInScope, Refused
from parcours.french import french_date
from tenants.agrements.models import Agrement, AgrementStatus
from tenants.agrements.selectors import complete_on, legal_months, tacit_approval_on


class AgrementError(Refused):
    """An approval rule refused the request; nothing was recorded."""


def _coordinator(access: Access) -> None:
    if Role.COORDINATOR not in access.roles:
        raise AgrementError(
            ["Les agréments sont instruits par la coordination (DDFE)."], forbidden=True
        )


def completeness_deadline(*, agrement: Agrement) -> dt.date:
    """Missing items must be asked by this date; after it, the file is complete as received."""
    return agrement.requested_on + relativedelta(
        months=legal_months("approval_missing_items_months", agrement.requested_on)
    )


def agrement_request(
    *,
    access: Access,
    association_id: int,
    requested_on: dt.date,
    departements: list[str],
    renewal_of_id: int | None = None,
) -> Agrement:
    _coordinator(access)
    association = Association.objects.filter(pk=association_id).first()
    if association is None:
        raise AgrementError(
            ["Association inconnue au registre national."],
            fields={"association": ["Association inconnue."]},
        )
    if requested_on > timezone.localdate():
        raise AgrementError(
            ["La date de la demande est dans le futur."],
            fields={"requested_on": ["Date dans le futur."]},
        )
    seniority = association.seniority_reached_on(
        years=legal_months("association_min_seniority_years", requested_on)
    )
    if seniority > requested_on:
        raise AgrementError(
            [
                f"L'association n'a pas trois ans de déclaration (le {french_date(seniority)}) : elle n'est pas éligible."
            ]
        )
    with transaction.atomic():
        agrement = Agrement.objects.create(
            association=association,
            status=AgrementStatus.REQUESTED,
            requested_on=requested_on,
            departements=sorted(set(departements)),
            renewal_of_id=renewal_of_id,
        )
        audit_record(
            action="agrement.requested",
            actor_id=access.user_id,
            object_type="agrement",
            object_id=agrement.pk,
        )
        return agrement


def _locked(agrement_id: int) -> Agrement:
    agrement = Agrement.objects.select_for_update().filter(pk=agrement_id).first()
    if agrement is None:
        raise NotInScope("Demande d'agrément inconnue.")
    return agrement


def agrement_request_missing_items(
    *, access: Access, agrement_id: int, items: str, on: dt.date
) -> Agrement:
    _coordinator(access)
    with transaction.atomic():
        agrement = _locked(agrement_id)
        if agrement.status != AgrementStatus.REQUESTED:
            raise AgrementError(
                ["Des pièces ne se demandent que sur une demande reçue, pas encore complète."]
            )
        deadline = completeness_deadline(agrement=agrement)
        if on > deadline:
            raise AgrementError(
                [
                    "Les pièces manquantes se demandent dans les deux mois "
                    f"(avant le {french_date(deadline)}) : le dossier est réputé complet."
                ]
            )
        if len(items.strip()) < 5:
            raise AgrementError(
                ["Listez les pièces manquantes."], fields={"items": ["Listez les pièces."]}
            )
        agrement.status, agrement.missing_items, agrement.missing_items_requested_on = (
            AgrementStatus.INCOMPLETE,
            items.strip(),
            on,
        )
        agrement.save()
        audit_record(
            action="agrement.missing_items",
            actor_id=access.user_id,
            object_type="agrement",
            object_id=agrement.pk,
        )
        return agrement


def agrement_mark_complete(*, access: Access, agrement_id: int, on: dt.date) -> Agrement:
    _coordinator(access)
    with transaction.atomic():
        agrement = _locked(agrement_id)
        if agrement.status not in {AgrementStatus.REQUESTED, AgrementStatus.INCOMPLETE}:
            raise AgrementError(["Cette demande n'est pas en attente de complétude."])
        if on < agrement.requested_on:
            raise AgrementError(["Le dossier ne peut pas être complet avant d'être reçu."])
        agrement.status, agrement.complete_on = AgrementStatus.COMPLETE, on
        agrement.save()
        audit_record(
            action="agrement.complete",
            actor_id=access.user_id,
            object_type="agrement",
            object_id=agrement.pk,
        )
        return agrement


def _approve(agrement: Agrement, *, on: dt.date, tacit: bool, reference: str) -> None:
    years = legal_months("approval_validity_years", on)
    agrement.status, agrement.decided_on, agrement.tacit = AgrementStatus.APPROVED, on, tacit
    agrement.valid_from, agrement.valid_until = on, on + relativedelta(years=years)
    agrement.arrete_reference = reference
    agrement.save()


def agrement_decide(
    *,
    access: Access,
    agrement_id: int,
    approve: bool,
    on: dt.date,
    reference: str = "",
    motivation: str = "",
) -> Agrement:
    """The préfet's decision, on a complete file only; a refusal is motivated."""
    if not access.has_any({Role.COORDINATOR, Role.PREFET}):
        raise AgrementError(
            ["La décision revient au préfet (préparée par la coordination)."], forbidden=True
        )
    with transaction.atomic():
        agrement = _locked(agrement_id)
        if agrement.status == AgrementStatus.INCOMPLETE or complete_on(agrement=agrement) is None:
            raise AgrementError(
                ["Le dossier n'est pas complet : aucune décision ne peut être prise."]
            )
        if agrement.status not in {AgrementStatus.REQUESTED, AgrementStatus.COMPLETE}:
            raise AgrementError(["Cette demande a déjà été tranchée."])
        if approve:
            if not reference.strip():
                raise AgrementError(
                    ["Indiquez la référence de l'arrêté."],
                    fields={"reference": ["Référence de l'arrêté manquante."]},
                )
            _approve(agrement, on=on, tacit=False, reference=reference.strip())
        else:
            if len(motivation.strip()) < 20:
                raise AgrementError(
                    ["Un refus d'agrément est motivé."],
                    fields={"motivation": ["Motivez le refus (20 caractères au moins)."]},
                )
            agrement.status, agrement.decided_on, agrement.motivation = (
                AgrementStatus.REFUSED,
                on,
                motivation.strip(),
            )
            agrement.save()
        audit_record(
            action="agrement.decided",
            actor_id=access.user_id,
            object_type="agrement",
            object_id=agrement.pk,
            data={"approved": approve},
        )
        return agrement


def agrements_tacit_apply(*, today: dt.date) -> list[Agrement]:
    """Daily: approve the complete files whose 4 months of silence have run (idempotent)."""
    approved = []
    with transaction.atomic():
        for agrement in Agrement.objects.select_for_update().filter(
            status__in=[AgrementStatus.REQUESTED, AgrementStatus.COMPLETE]
        ):
            day = tacit_approval_on(agrement=agrement)
            if day is not None and day <= today:
                _approve(
                    agrement,
                    on=day,
                    tacit=True,
                    reference="Agrément tacite (silence de l'administration)",
                )
                audit_record(
                    action="agrement.tacit",
                    object_type="agrement",
                    object_id=agrement.pk,
                    data={"on": day.isoformat()},
                )
                approved.append(agrement)
    return approved


def agrement_withdraw(
    *, access: Access, agrement_id: int, on: dt.date, motivation: str
) -> Agrement:
    """Withdraw an approval: the association opens no new file here from `on`."""
    if not access.has_any({Role.COORDINATOR, Role.PREFET}):
        raise AgrementError(["Le retrait d'agrément revient au préfet."], forbidden=True)
    if len(motivation.strip()) < 20:
        raise AgrementError(
            ["Un retrait d'agrément est motivé."],
            fields={"motivation": ["Motivez le retrait (20 caractères au moins)."]},
        )
    with transaction.atomic():
        agrement = _locked(agrement_id)
        if agrement.status != AgrementStatus.APPROVED:
            raise AgrementError(["Seul un agrément en vigueur peut être retiré."])
        agrement.status, agrement.motivation, agrement.valid_until = (
            AgrementStatus.WITHDRAWN,
            motivation.strip(),
            on,
        )
        agrement.save()
        audit_record(
            action="agrement.withdrawn",
            actor_id=access.user_id,
            object_type="agrement",
            object_id=agrement.pk,
        )
        return agrement


def agrement_arrete_attach(*, access: Access, agrement_id: int, data: bytes) -> Agrement:
    """Attach the PDF of the arrêté of approval (or of refusal or withdrawal)."""
    from parcours.storage import store_pdf

    _coordinator(access)
    with transaction.atomic():
        agrement = _locked(agrement_id)
        if agrement.status not in {
            AgrementStatus.APPROVED,
            AgrementStatus.REFUSED,
            AgrementStatus.WITHDRAWN,
        }:
            raise AgrementError(["L'arrêté se joint à une décision prise."])
        agrement.arrete_storage_name = store_pdf(data=data)
        agrement.save(update_fields=["arrete_storage_name"])
        audit_record(
            action="agrement.arrete_attached",
            actor_id=access.user_id,
            object_type="agrement",
            object_id=agrement.pk,
        )
        return agrement
