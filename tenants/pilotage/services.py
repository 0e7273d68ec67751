"""Writes on the departmental steering; the coordination owns them, every one audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.audit.services import audit_record
from parcours.errors import NotInScope, Refused
from parcours.queue import enqueue_on_commit
from parcours.validation import model_field_errors
from tenants.pilotage.models import ActionStatus, PeriodFigures, StrategyAction, StrategyAxis
from tenants.pilotage.selectors import REQUESTED

FIGURES = (
    "buyers_fined",
    "awareness_courses",
    "procuring_proceedings",
    "trafficking_proceedings",
    "prevention_actions",
)


class PilotageError(Refused):
    """A steering rule refused the request; nothing was recorded."""


def _coordinator(access: Access) -> None:
    if Role.COORDINATOR not in access.roles:
        raise PilotageError(
            ["La stratégie départementale est tenue par la coordination."], forbidden=True
        )


def axis_create(*, access: Access, title: str, first_year: int, last_year: int) -> StrategyAxis:
    _coordinator(access)
    if len(title.strip()) < 3:
        raise PilotageError(
            ["Intitulé trop court."], fields={"title": ["Indiquez l'intitulé de l'axe."]}
        )
    if not 2016 <= first_year <= last_year <= first_year + 10:
        raise PilotageError(
            ["Années incohérentes."],
            fields={"last_year": ["La stratégie couvre de 1 à 10 ans, à partir de 2016."]},
        )
    if errors := model_field_errors(StrategyAxis, {"title": title.strip()}):
        raise PilotageError(["L'intitulé de l'axe est invalide."], fields=errors)
    with transaction.atomic():
        axis = StrategyAxis.objects.create(
            title=title.strip(),
            first_year=first_year,
            last_year=last_year,
            position=StrategyAxis.objects.count() + 1,
        )
        audit_record(
            action="pilotage.axis_created",
            actor_id=access.user_id,
            object_type="axis",
            object_id=axis.pk,
        )
        return axis


def action_save(
    *, access: Access, axis_id: int, action_id: int | None, data: dict[str, Any]
) -> StrategyAction:
    _coordinator(access)
    if len(str(data.get("title", "")).strip()) < 3 or not str(data.get("owner", "")).strip():
        raise PilotageError(
            ["Une action a un intitulé et un pilote."],
            fields={"title": ["Intitulé requis."], "owner": ["Pilote requis."]},
        )
    if data.get("status", ActionStatus.PLANNED) not in ActionStatus.values:
        raise PilotageError(["État inconnu."], fields={"status": ["État inconnu."]})
    fields = ("title", "owner", "indicator", "target", "achieved", "status")
    values = {field: str(data[field]).strip() for field in fields if field in data}
    if errors := model_field_errors(StrategyAction, values):
        raise PilotageError(["Certains champs de l'action sont invalides."], fields=errors)
    with transaction.atomic():
        axis = StrategyAxis.objects.filter(pk=axis_id).first()
        if axis is None:
            raise NotInScope("Axe inconnu.")
        action = (
            StrategyAction(axis=axis)
            if action_id is None
            else StrategyAction.objects.select_for_update().filter(pk=action_id, axis=axis).first()
        )
        if action is None:
            raise PilotageError(["Action inconnue dans cet axe."])
        for field, value in values.items():
            setattr(action, field, value)
        action.save()
        audit_record(
            action="pilotage.action_saved",
            actor_id=access.user_id,
            object_type="strategy_action",
            object_id=action.pk,
        )
        return action


def is_count(value: object) -> bool:
    """A non-negative integer, and not a boolean: Python counts `True` as 1, so a JSON `true`
    would otherwise be stored as one fine."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def figures_record(*, access: Access, year: int, values: dict[str, int]) -> PeriodFigures:
    """Aggregates for a year (never names): non-negative counts, one row per year."""
    _coordinator(access)
    errors = {
        k: ["Nombre positif ou nul attendu."]
        for k, v in values.items()
        if k in FIGURES and not is_count(v)
    }
    errors.update(
        model_field_errors(PeriodFigures, {k: v for k, v in values.items() if k not in errors})
    )
    if isinstance(year, bool) or not 2016 <= year <= timezone.localdate().year:
        errors["year"] = ["Année hors de la période couverte par la loi de 2016."]
    if errors:
        raise PilotageError(["Des chiffres sont invalides."], fields=errors)
    with transaction.atomic():
        figures, _ = PeriodFigures.objects.select_for_update().get_or_create(year=year)
        for key in FIGURES:
            if key in values:
                setattr(figures, key, values[key])
        figures.save()
        audit_record(
            action="pilotage.figures_recorded",
            actor_id=access.user_id,
            object_type="figures",
            object_id=year,
        )
        return figures


def activity_report_request(*, access: Access, year: int) -> None:
    """The annual activity report is built in the background (PDF)."""
    if not access.has_any({Role.COORDINATOR, Role.PREFET}):
        raise PilotageError(
            ["Le rapport d'activité est demandé par la coordination ou le préfet."], forbidden=True
        )
    if not 2016 <= year <= timezone.localdate().year:
        raise PilotageError(["Année invalide."], fields={"year": ["Année invalide."]})
    from tenants.pilotage.tasks import generate_activity_report

    with transaction.atomic():
        requested = audit_record(
            action=REQUESTED,
            actor_id=access.user_id,
            object_type="report",
            object_id=year,
        )
        enqueue_on_commit(generate_activity_report, year=year, request=requested.pk)
