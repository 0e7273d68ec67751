"""What each transition asks for (its `form`), declared once, and how it is written on the file.

`INPUTS` declares each form's fields with their limits and French messages: the file page builds
its form from it (frontend/views/casework_forms.py), the API its request schema per transition
(api/serializers_transitions.py), and `transition_write` checks the values against it before the
domain's own rules (a majority of votes, a start after the avis…). Each form then writes its
fields on the file explicitly; nothing is written when a check fails.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils import timezone

# The grounds are defined once, below both layers, for the national statistics too.
from parcours.french import french_date
from parcours.referentiel.decisions import INSUFFICIENT_ALONE, REFUSAL_GROUNDS
from parcours.workflows.definition import FormName, Workflow
from parcours.workflows.inputs import (
    CommentUse,
    FieldType,
    InputField,
    InputRefused,
    TransitionInputs,
    parse,
)
from tenants.casework.errors import CaseworkError
from tenants.casework.models import Avis, Decision, Dossier

MOTIVATION_MAX_LENGTH = 20_000
VOTES_MAX = 100


def _date_field(name: str, label: str, noun: str, *, required: bool = False) -> InputField:
    return InputField(
        name=name,
        type=FieldType.DATE,
        label=label,
        required=required,
        missing=f"Indiquez {noun}.",
        invalid=f"{noun.capitalize()} : date attendue au format AAAA-MM-JJ.",
    )


def _votes(name: str, label: str) -> InputField:
    return InputField(
        name=name,
        type=FieldType.COUNT,
        label=label,
        invalid="Nombre de voix attendu.",
        minimum=0,
        maximum=VOTES_MAX,
        out_of_range=f"Nombre de voix entre 0 et {VOTES_MAX}.",
    )


START_ON = _date_field("start_on", "Début du parcours", "la date de début du parcours")
REFUSAL_MOTIVATION = "Un refus est motivé en fait et en droit (30 caractères au moins)."
GROUNDS_MESSAGE = "Choisissez au moins un motif de refus dans la liste."
AVIS_MESSAGE = "Choisissez l'avis de la commission : favorable ou défavorable."
TOO_LONG = f"{MOTIVATION_MAX_LENGTH} caractères au plus."

INPUTS: dict[FormName, TransitionInputs] = {
    FormName.NONE: TransitionInputs(description="Aucune donnée ; un commentaire facultatif."),
    FormName.COMMENT_REQUIRED: TransitionInputs(
        comment=CommentUse.REQUIRED,
        comment_min_length=5,
        comment_message="Précisez la raison (5 caractères au moins).",
        description="La raison, en commentaire (5 caractères au moins).",
    ),
    FormName.SCHEDULE: TransitionInputs(
        fields=(
            _date_field("session_on", "Date de la séance", "la date de la séance", required=True),
        ),
        description="La date de la séance (pas dans le passé).",
    ),
    FormName.COMMISSION_AVIS: TransitionInputs(
        fields=(
            InputField(
                name="avis",
                type=FieldType.CHOICE,
                label="Avis",
                required=True,
                missing=AVIS_MESSAGE,
                invalid=AVIS_MESSAGE,
                choices=tuple(Avis.choices),
            ),
            _votes("votes_for", "Voix favorables"),
            _votes("votes_against", "Voix défavorables"),
            _votes("abstentions", "Abstentions"),
            _date_field("avis_on", "Date de l'avis", "la date de l'avis"),
        ),
        description="L'avis voté et les voix ; l'avis suit la majorité des voix exprimées.",
    ),
    FormName.DECISION_AUTHORISE: TransitionInputs(
        fields=(
            START_ON,
            InputField(
                name="motivation",
                type=FieldType.TEXT,
                label="Motivation",
                max_length=MOTIVATION_MAX_LENGTH,
                invalid=TOO_LONG,
            ),
        ),
        comment=CommentUse.HIDDEN,
        description="La date de début (un renouvellement commence le lendemain de la période "
        "en cours) et une motivation facultative.",
    ),
    FormName.DECISION_REFUSE: TransitionInputs(
        fields=(
            InputField(
                name="motivation",
                type=FieldType.TEXT,
                label="Motivation",
                required=True,
                missing=REFUSAL_MOTIVATION,
                min_length=30,
                out_of_range=REFUSAL_MOTIVATION,
                max_length=MOTIVATION_MAX_LENGTH,
                invalid=TOO_LONG,
            ),
            InputField(
                name="grounds",
                type=FieldType.CHOICES,
                label="Motifs",
                required=True,
                missing=GROUNDS_MESSAGE,
                invalid=GROUNDS_MESSAGE,
                choices=tuple(REFUSAL_GROUNDS.items()),
            ),
        ),
        comment=CommentUse.HIDDEN,
        description="La motivation en fait et en droit et au moins un motif de la liste.",
    ),
}


def _error(field: str, message: str) -> CaseworkError:
    return CaseworkError([message], fields={field: [message]})


def _comment_required(dossier: Dossier, workflow: Workflow, comment: str) -> None:
    # Asked for missing items, the comment says which: the association is shown it.
    if dossier.state in workflow.missing_items_states:
        dossier.missing_items = comment.strip()


def _schedule(dossier: Dossier, session_on: dt.date) -> None:
    if session_on < timezone.localdate():
        raise _error("session_on", "La séance ne peut pas être dans le passé.")
    dossier.session_on = session_on


def _commission_avis(
    dossier: Dossier,
    *,
    avis: str,
    votes_for: int,
    against: int,
    abstentions: int,
    avis_on: dt.date | None,
) -> None:
    # Majority of votes cast; on a tie the chair's vote decides, so either avis stands.
    if votes_for > against and avis != Avis.FAVOURABLE:
        raise _error(
            "avis", "La majorité des voix est favorable : l'avis ne peut pas être défavorable."
        )
    if against > votes_for and avis != Avis.UNFAVOURABLE:
        raise _error(
            "avis", "La majorité des voix est défavorable : l'avis ne peut pas être favorable."
        )
    avis_on = avis_on or timezone.localdate()
    if avis_on > timezone.localdate():
        raise _error("avis_on", "L'avis ne peut pas être daté dans le futur.")
    if dossier.session_on and avis_on < dossier.session_on:
        raise _error("avis_on", "L'avis ne peut pas précéder la séance prévue.")
    dossier.commission_avis = avis
    dossier.commission_votes_for = votes_for
    dossier.commission_votes_against = against
    dossier.commission_abstentions = abstentions
    dossier.commission_avis_on = avis_on


def _decision_authorise(dossier: Dossier, start_on: dt.date | None, motivation: str) -> None:
    previous = dossier.pathway.periods.order_by("-number").first()
    if previous is not None:
        # A renewal continues the pathway the day after the current period ends.
        follows = (previous.ended_early_on or previous.ends_on) + dt.timedelta(days=1)
        if start_on and start_on != follows:
            raise _error(
                "start_on",
                f"Un renouvellement commence le lendemain de la période en cours, le {french_date(follows)}.",
            )
        start_on = follows
    else:
        if start_on is None:
            raise _error("start_on", START_ON.missing)
        if dossier.commission_avis_on and start_on < dossier.commission_avis_on:
            raise _error(
                "start_on", "Le parcours ne peut pas commencer avant l'avis de la commission."
            )
        if start_on > timezone.localdate() + relativedelta(months=3):
            raise _error("start_on", "La date de début est à plus de trois mois.")
    dossier.decision = Decision.AUTHORISED
    dossier.decision_motivation = motivation
    dossier.decided_at = timezone.now()
    dossier.start_on = start_on


def _decision_refuse(dossier: Dossier, motivation: str, grounds: tuple[str, ...]) -> None:
    if set(grounds) <= INSUFFICIENT_ALONE:
        raise _error(
            "grounds",
            "Ne pas avoir encore cessé l'activité ou ne pas avoir porté plainte ne peut pas, à soi "
            "seul, justifier un refus (Conseil d'État, 19 novembre 2021, n° 440802).",
        )
    dossier.decision = Decision.REFUSED
    dossier.decision_motivation = motivation
    dossier.decided_at = timezone.now()
    dossier.extra = {**dossier.extra, "refusal_grounds": sorted(grounds)}


def transition_write(
    *, dossier: Dossier, workflow: Workflow, form: FormName, data: dict[str, Any], comment: str
) -> None:
    """Check the inputs of `form` and write them on the (locked, unsaved) file.

    Raises CaseworkError with the reason and the input concerned; the caller saves nothing then.
    """
    try:
        values = parse(INPUTS[form], data=data, comment=comment)
    except InputRefused as refused:
        raise _error(refused.field, refused.message) from refused
    match form:
        case FormName.NONE:
            pass
        case FormName.COMMENT_REQUIRED:
            _comment_required(dossier, workflow, comment)
        case FormName.SCHEDULE:
            _schedule(dossier, values["session_on"])
        case FormName.COMMISSION_AVIS:
            _commission_avis(
                dossier,
                avis=values["avis"],
                votes_for=values["votes_for"] or 0,
                against=values["votes_against"] or 0,
                abstentions=values["abstentions"] or 0,
                avis_on=values["avis_on"],
            )
        case FormName.DECISION_AUTHORISE:
            _decision_authorise(dossier, values["start_on"], values["motivation"] or "")
        case FormName.DECISION_REFUSE:
            _decision_refuse(dossier, values["motivation"], values["grounds"])
