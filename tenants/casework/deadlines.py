"""Deadlines: which reminders are due in a département today, each created (and sent) once."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from parcours.db import connection
from parcours.departements.models import Tenant
from parcours.french import french_date
from parcours.workflows.definition import Clock
from parcours.workflows.services import current_template, current_variant
from tenants.casework.models import (
    Dossier,
    Lifecycle,
    Pathway,
    PathwayStatus,
    Period,
    Reminder,
    ReminderKind,
    Right,
    RightStatus,
)


def _deadlines(dossier: Dossier) -> dict[str, int]:
    return dossier.workflow_variant.workflow.deadlines


def _tenant_deadlines() -> dict[str, int]:
    """The département's current delays (for reminders not tied to one file's version)."""
    tenant = connection.tenant
    if not isinstance(tenant, Tenant):
        return current_template(code="psp").definition["deadlines"]
    variant = current_variant(tenant=tenant)
    connection.set_tenant(tenant)
    return variant.workflow.deadlines


def _remind(
    *,
    key: str,
    kind: str,
    role: str,
    message: str,
    due_on: dt.date,
    dossier: Dossier | None = None,
    right: Right | None = None,
    association_id: int | None = None,
) -> Reminder | None:
    reminder, created = Reminder.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "role": role,
            "message": message,
            "due_on": due_on,
            "dossier": dossier,
            "right": right,
            "association_id": association_id,
        },
    )
    return reminder if created else None


def reminders_due(*, today: dt.date) -> list[Reminder]:
    """Create the reminders due today; returns only the new ones (to be e-mailed)."""
    created: list[Reminder | None] = []
    with transaction.atomic():
        periods = Period.objects.filter(
            pathway__status=PathwayStatus.ACTIVE, ended_early_on__isnull=True, ends_on__gte=today
        ).select_related("dossier__workflow_variant", "pathway__person")
        for period in periods:
            days = _deadlines(period.dossier)["period_end_warning_days"]
            if period.ends_on - today > dt.timedelta(days=days):
                continue
            later = period.pathway.dossiers.filter(number__gt=period.dossier.number)
            closed = period.dossier.workflow.closed_without_authorisation_states
            if later.exclude(state__in=closed).exists():
                continue  # a renewal is already on its way
            pseudonym = period.pathway.person.pseudonym
            for role in ("coordinator", "association_worker"):
                created.append(
                    _remind(
                        key=f"period_ending:{period.pk}:{role}",
                        kind=ReminderKind.PERIOD_ENDING,
                        role=role,
                        message=f"{pseudonym} : la période {period.number} se termine le {french_date(period.ends_on)}.",
                        due_on=period.ends_on,
                        dossier=period.dossier,
                        association_id=period.pathway.person.association_id
                        if role == "association_worker"
                        else None,
                    )
                )
        warning = _tenant_deadlines()["aps_expiry_warning_days"]
        # Nobody is reminded of a person out of the active base (tenants/retention).
        for right in Right.objects.filter(
            person__lifecycle=Lifecycle.ACTIVE,
            right_type="aps",
            status=RightStatus.GRANTED,
            ends_on__isnull=False,
            ends_on__lte=today + dt.timedelta(days=warning),
        ).select_related("person"):
            ends_on = right.ends_on or today  # never None: filtered on ends_on__isnull=False
            created.append(
                _remind(
                    key=f"aps_expiring:{right.pk}:{right.ends_on}",
                    kind=ReminderKind.APS_EXPIRING,
                    role="association_worker",
                    message=f"{right.person.pseudonym} : l'APS expire le {french_date(ends_on)}, "
                    "pensez au renouvellement.",
                    due_on=ends_on,
                    right=right,
                    association_id=right.person.association_id,
                )
            )
        # Measured from `today` (not the wall clock), so a given day always gives the same result.
        now = timezone.make_aware(dt.datetime.combine(today, timezone.localtime().time()))
        # The states of the national template only: a département's optional step is a detour
        # the coordination itself runs, not a wait on the administration to remind of.
        waiting = (
            Dossier.objects.in_active_base()
            .filter(state__in=current_template(code="psp").workflow.instruction_states)
            .select_related("workflow_variant", "person")
        )
        for dossier in waiting:
            limits = _deadlines(dossier)
            workflow = dossier.workflow
            if dossier.state in workflow.awaiting_decision_states and dossier.commission_avis_on:
                if (today - dossier.commission_avis_on).days > limits["decision_target_days"]:
                    created.append(
                        _remind(
                            key=f"waiting_decision:{dossier.pk}",
                            kind=ReminderKind.WAITING_DECISION,
                            role="prefet",
                            message=(
                                f"{dossier.person.pseudonym} : décision attendue depuis "
                                f"l'avis du {french_date(dossier.commission_avis_on)}."
                            ),
                            due_on=today,
                            dossier=dossier,
                        )
                    )
            elif workflow.clock(dossier.state) is Clock.PAUSED and dossier.clock_paused_since:
                if (now - dossier.clock_paused_since).days > limits[
                    "missing_items_unanswered_days"
                ]:
                    created.append(
                        _remind(
                            key=f"missing_items:{dossier.pk}:{dossier.clock_paused_since:%Y%m%d}",
                            kind=ReminderKind.MISSING_ITEMS_UNANSWERED,
                            role="association_worker",
                            association_id=dossier.association_id,
                            message=(
                                f"{dossier.person.pseudonym} : des pièces sont demandées "
                                f"depuis le {french_date(dossier.clock_paused_since)}."
                            ),
                            due_on=today,
                            dossier=dossier,
                        )
                    )
            elif (
                workflow.clock(dossier.state) is Clock.RUNNING
                and dossier.state not in workflow.awaiting_decision_states
            ):
                waited = dossier.processing_days(now=now)
                if waited is not None and waited > limits["instruction_target_days"]:
                    created.append(
                        _remind(
                            key=f"waiting_instruction:{dossier.pk}",
                            kind=ReminderKind.WAITING_INSTRUCTION,
                            role="coordinator",
                            message=(
                                f"{dossier.person.pseudonym} : en instruction depuis {waited} jours "
                                f"(objectif {limits['instruction_target_days']})."
                            ),
                            due_on=today,
                            dossier=dossier,
                        )
                    )
        # A pathway whose last period is over with no renewal under way is complete.
        for pathway in Pathway.objects.filter(
            status=PathwayStatus.ACTIVE, person__lifecycle=Lifecycle.ACTIVE
        ).prefetch_related("periods", "dossiers__workflow_variant"):
            last = max(pathway.periods.all(), key=lambda p: p.number, default=None)
            pending = any(d.is_open for d in pathway.dossiers.all())
            if last is not None and last.ends_on < today and not pending:
                pathway.status = PathwayStatus.COMPLETED
                pathway.ended_on = last.ends_on
                pathway.save(update_fields=["status", "ended_on"])
    return [r for r in created if r is not None]
