"""What each transition asks for (its `form`), validated with messages in French.

A handler returns the fields to write on the file, or raises CaseworkError with the reasons
and the inputs concerned; nothing is written in that case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from parcours.referentiel.decisions import INSUFFICIENT_ALONE, REFUSAL_GROUNDS
from parcours.validation import DATE_RANGE_MESSAGE, is_plausible_date
from tenants.casework.models import Avis, Decision, Dossier


def _error(field: str, message: str) -> Exception:
    from tenants.casework.services import CaseworkError

    return CaseworkError([message], fields={field: [message]})


def _date(data: dict[str, Any], field: str, label: str) -> dt.date:
    raw = data.get(field)
    if not raw:
        raise _error(field, f"Indiquez {label}.")
    if isinstance(raw, dt.date):
        return raw
    try:
        value = dt.date.fromisoformat(str(raw))
    except ValueError as exc:
        raise _error(field, f"{label.capitalize()} : date attendue au format AAAA-MM-JJ.") from exc
    if not is_plausible_date(value):
        raise _error(field, DATE_RANGE_MESSAGE)
    return value


def _count(data: dict[str, Any], field: str) -> int:
    raw = data.get(field, 0)
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise _error(field, "Nombre de voix attendu.") from exc
    if value < 0 or value > 100:
        raise _error(field, "Nombre de voix entre 0 et 100.")
    return value


def comment_required(*, dossier: Dossier, data: dict[str, Any], comment: str) -> dict[str, Any]:
    if len(comment.strip()) < 5:
        raise _error("comment", "Précisez la raison (5 caractères au moins).")
    if dossier.state == "submitted":
        return {"missing_items": comment.strip()}
    return {}


def schedule(*, dossier: Dossier, data: dict[str, Any], comment: str) -> dict[str, Any]:
    session_on = _date(data, "session_on", "la date de la séance")
    if session_on < timezone.localdate():
        raise _error("session_on", "La séance ne peut pas être dans le passé.")
    return {"session_on": session_on}


def commission_avis(*, dossier: Dossier, data: dict[str, Any], comment: str) -> dict[str, Any]:
    avis = data.get("avis")
    if avis not in Avis.values:
        raise _error("avis", "Choisissez l'avis de la commission : favorable ou défavorable.")
    votes_for, against = _count(data, "votes_for"), _count(data, "votes_against")
    abstentions = _count(data, "abstentions")
    # Majority of votes cast; on a tie the chair's vote decides, so either avis stands.
    if votes_for > against and avis != Avis.FAVOURABLE:
        raise _error(
            "avis", "La majorité des voix est favorable : l'avis ne peut pas être défavorable."
        )
    if against > votes_for and avis != Avis.UNFAVOURABLE:
        raise _error(
            "avis", "La majorité des voix est défavorable : l'avis ne peut pas être favorable."
        )
    avis_on = (
        _date(data, "avis_on", "la date de l'avis") if data.get("avis_on") else timezone.localdate()
    )
    if avis_on > timezone.localdate():
        raise _error("avis_on", "L'avis ne peut pas être daté dans le futur.")
    if dossier.session_on and avis_on < dossier.session_on:
        raise _error("avis_on", "L'avis ne peut pas précéder la séance prévue.")
    return {
        "commission_avis": avis,
        "commission_votes_for": votes_for,
        "commission_votes_against": against,
        "commission_abstentions": abstentions,
        "commission_avis_on": avis_on,
    }


def decision_authorise(*, dossier: Dossier, data: dict[str, Any], comment: str) -> dict[str, Any]:
    today = timezone.localdate()
    previous = dossier.pathway.periods.order_by("-number").first()
    if previous is not None:
        # A renewal continues the pathway the day after the current period ends.
        start_on = (previous.ended_early_on or previous.ends_on) + dt.timedelta(days=1)
        if data.get("start_on") and _date(data, "start_on", "la date de début") != start_on:
            raise _error(
                "start_on",
                f"Un renouvellement commence le lendemain de la période en cours, le {start_on:%d/%m/%Y}.",
            )
    else:
        start_on = _date(data, "start_on", "la date de début du parcours")
        if dossier.commission_avis_on and start_on < dossier.commission_avis_on:
            raise _error(
                "start_on", "Le parcours ne peut pas commencer avant l'avis de la commission."
            )
        if start_on > today + relativedelta(months=3):
            raise _error("start_on", "La date de début est à plus de trois mois.")
    return {
        "decision": Decision.AUTHORISED,
        "decision_motivation": str(data.get("motivation", "")).strip(),
        "decided_at": timezone.now(),
        "start_on": start_on,
    }


def decision_refuse(*, dossier: Dossier, data: dict[str, Any], comment: str) -> dict[str, Any]:
    motivation = str(data.get("motivation", "")).strip()
    if len(motivation) < 30:
        raise _error(
            "motivation", "Un refus est motivé en fait et en droit (30 caractères au moins)."
        )
    raw = data.get("grounds") or []
    if not isinstance(raw, list) or not all(isinstance(ground, str) for ground in raw):
        raise _error("grounds", "Choisissez au moins un motif de refus dans la liste.")
    grounds = set(raw)
    if not grounds or not grounds <= set(REFUSAL_GROUNDS):
        raise _error("grounds", "Choisissez au moins un motif de refus dans la liste.")
    if grounds <= INSUFFICIENT_ALONE:
        raise _error(
            "grounds",
            "Ne pas avoir encore cessé l'activité ou ne pas avoir porté plainte ne peut pas, à soi "
            "seul, justifier un refus (Conseil d'État, 19 novembre 2021, n° 440802).",
        )
    return {
        "decision": Decision.REFUSED,
        "decision_motivation": motivation,
        "decided_at": timezone.now(),
        "extra": {**dossier.extra, "refusal_grounds": sorted(grounds)},
    }


FORM_HANDLERS: dict[str, Callable[..., dict[str, Any]]] = {
    "comment_required": comment_required,
    "schedule": schedule,
    "commission_avis": commission_avis,
    "decision_authorise": decision_authorise,
    "decision_refuse": decision_refuse,
}
