"""The pathway across its files: the 24-month ceiling, its periods, its early end and exit."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.audit.services import audit_record
from parcours.errors import NotInScope
from parcours.referentiel.models import NomenclatureItem
from parcours.referentiel.selectors import legal_parameter_value
from tenants.agrements.selectors import acting_associations
from tenants.casework.acting import actor_role
from tenants.casework.errors import CaseworkError
from tenants.casework.models import (
    Dossier,
    Lifecycle,
    Pathway,
    PathwayStatus,
    Period,
    Right,
)
from tenants.casework.persons import person_contact_touch


def months_authorised(pathway: Pathway) -> int:
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
    used = months_authorised(pathway)
    if used + period > ceiling:
        return (
            f"Le parcours a déjà duré {used} mois : une période de {period} mois de plus dépasserait "
            f"la durée maximale de {ceiling} mois (CASF L.121-9 II)."
        )
    return None


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
    # A period that starts later is still today's news for the person: never a future contact.
    person_contact_touch(person_id=pathway.person_id, on=min(starts_on, timezone.localdate()))
    return period


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
        pathway = (
            Pathway.objects.select_for_update(of=("self",))
            .filter(pk=pathway_id, person__lifecycle=Lifecycle.ACTIVE)
            .first()
        )
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
        person_contact_touch(person_id=pathway.person_id, on=min(on, timezone.localdate()))
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
    role = actor_role(access, {"coordinator", "association_worker"})
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
        pathways = Pathway.objects.select_for_update(of=("self",)).filter(
            pk=pathway_id, person__lifecycle=Lifecycle.ACTIVE
        )
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
        person_contact_touch(person_id=pathway.person_id, on=on)
        audit_record(
            action="pathway.exited",
            actor_id=access.user_id,
            actor_role=role,
            object_type="pathway",
            object_id=pathway.pk,
            data={"outcome": outcome},
        )
        return pathway
