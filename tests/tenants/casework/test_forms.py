"""tenants/casework/forms.py, through dossier_transition: what each step asks, refused in French.

A refused step writes nothing: the file keeps its state and its timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from parcours.accounts.permissions import Access
from tenants.casework.models import Dossier, DossierEvent, PathwayStatus
from tenants.casework.services import (
    SESSION_TRANSITIONS,
    CaseworkError,
    TransitionRequest,
    dossier_transition,
)
from tests.tenants.casework.conftest import prepare

In31 = Callable[[str], Access]

VOTES = {"votes_for": 9, "votes_against": 2, "abstentions": 1}
MOTIVATION = "Le projet d'insertion ne comporte aucune action de logement ni de soins."

# The path to each state, as (transition, role, data).
PATH: list[tuple[str, str, dict[str, Any]]] = [
    ("submit", "association_worker", {}),
    ("declare_complete", "coordinator", {}),
    ("schedule", "coordinator", {"session_on": "today"}),
    ("record_commission_avis", "coordinator", {"avis": "favourable", **VOTES}),
]
REACHED = {"draft": 0, "submitted": 1, "complete": 2, "scheduled": 3, "avis_given": 4}


def fire(access: Access, dossier: Dossier, name: str, comment: str = "", **data: Any) -> Dossier:
    data = {k: timezone.localdate().isoformat() if v == "today" else v for k, v in data.items()}
    return dossier_transition(
        access=access,
        dossier_id=dossier.pk,
        request=TransitionRequest(name=name, data=data, comment=comment),
        # These tests drive the engine itself; the commission's services fire its transitions.
        from_session=name in SESSION_TRANSITIONS,
    )


@pytest.fixture
def dossier_at(in31: In31) -> Callable[[str], Dossier]:
    def bring(state: str) -> Dossier:
        dossier = prepare(in31("association_worker"))
        for name, role, data in PATH[: REACHED[state]]:
            dossier = fire(in31(role), dossier, name, **data)
        assert dossier.state == state
        return dossier

    return bring


def _in_days(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def _in_three_months_and(days: int) -> str:
    return (timezone.localdate() + relativedelta(months=3) + dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("state", "name", "role", "data", "message"),
    [
        pytest.param(
            "scheduled", "record_commission_avis", "coordinator",
            {"avis": "unfavourable", **VOTES},
            "La majorité des voix est favorable", id="avis-against-the-majority-for",
        ),
        pytest.param(
            "scheduled", "record_commission_avis", "coordinator",
            {"avis": "favourable", "votes_for": 2, "votes_against": 9},
            "La majorité des voix est défavorable", id="avis-against-the-majority-against",
        ),
        pytest.param(
            "scheduled", "record_commission_avis", "coordinator",
            {"avis": "réservé", **VOTES},
            "favorable ou défavorable", id="avis-neither-favourable-nor-not",
        ),
        pytest.param(
            "scheduled", "record_commission_avis", "coordinator",
            {"avis": "favourable", **VOTES, "avis_on": _in_days(1)},
            "dans le futur", id="avis-dated-in-the-future",
        ),
        pytest.param(
            "complete", "schedule", "coordinator", {"session_on": _in_days(-1)},
            "La séance ne peut pas être dans le passé", id="session-in-the-past",
        ),
        pytest.param(
            "complete", "schedule", "coordinator", {"session_on": "12/03/2030"},
            "format AAAA-MM-JJ", id="session-date-malformed",
        ),
        pytest.param(
            "avis_given", "refuse", "prefet",
            {"motivation": "Projet insuffisant.", "grounds": ["project_insufficient"]},
            "30 caractères au moins", id="refusal-motivation-too-short",
        ),
        pytest.param(
            "avis_given", "refuse", "prefet", {"motivation": MOTIVATION, "grounds": []},
            "au moins un motif de refus", id="refusal-without-grounds",
        ),
        pytest.param(
            "avis_given", "refuse", "prefet", {"motivation": MOTIVATION, "grounds": ["caprice"]},
            "au moins un motif de refus", id="refusal-unknown-ground",
        ),
        pytest.param(
            "avis_given", "refuse", "prefet", {"motivation": MOTIVATION, "grounds": ["not_stopped"]},
            "Conseil d'État, 19 novembre 2021, n° 440802", id="refusal-only-not-stopped",
        ),
        pytest.param(
            "avis_given", "refuse", "prefet",
            {"motivation": MOTIVATION, "grounds": ["not_stopped", "no_complaint"]},
            "Conseil d'État, 19 novembre 2021, n° 440802", id="refusal-only-not-stopped-no-complaint",
        ),
        pytest.param(
            "avis_given", "authorise", "prefet", {"start_on": _in_days(-1)},
            "ne peut pas commencer avant l'avis de la commission", id="start-before-the-avis",
        ),
        pytest.param(
            "avis_given", "authorise", "prefet", {"start_on": _in_three_months_and(1)},
            "à plus de trois mois", id="start-more-than-three-months-ahead",
        ),
        pytest.param(
            "avis_given", "authorise", "prefet", {},
            "Indiquez la date de début du parcours", id="start-missing",
        ),
        pytest.param(
            "submitted", "request_missing_items", "coordinator", {},
            "Précisez la raison", id="missing-items-without-comment",
        ),
    ],
)  # fmt: skip
def test_a_step_with_invalid_input_is_refused_and_writes_nothing(
    in31: In31,
    dossier_at: Callable[[str], Dossier],
    state: str,
    name: str,
    role: str,
    data: dict[str, Any],
    message: str,
) -> None:
    dossier = dossier_at(state)
    events = DossierEvent.objects.filter(dossier=dossier).count()

    with pytest.raises(CaseworkError, match=message) as refused:
        fire(in31(role), dossier, name, **data)

    assert refused.value.fields  # the input concerned is pointed at, for the form
    dossier.refresh_from_db()
    assert dossier.state == state
    assert DossierEvent.objects.filter(dossier=dossier).count() == events
    assert dossier.decision == ""


@pytest.mark.parametrize("avis", ["favourable", "unfavourable"])
def test_on_a_tied_vote_the_chairs_casting_vote_lets_either_avis_stand(
    in31: In31, dossier_at: Callable[[str], Dossier], avis: str
) -> None:
    dossier = dossier_at("scheduled")

    dossier = fire(
        in31("coordinator"), dossier, "record_commission_avis",
        avis=avis, votes_for=5, votes_against=5, abstentions=0,
    )  # fmt: skip

    dossier.refresh_from_db()
    assert dossier.state == "avis_given"
    assert dossier.commission_avis == avis
    assert (dossier.commission_votes_for, dossier.commission_votes_against) == (5, 5)
    assert dossier.commission_avis_on == timezone.localdate()


def test_not_having_stopped_may_be_cited_with_a_sufficient_ground(
    in31: In31, dossier_at: Callable[[str], Dossier]
) -> None:
    dossier = dossier_at("avis_given")

    fire(
        in31("prefet"), dossier, "refuse",
        motivation=MOTIVATION, grounds=["project_insufficient", "not_stopped"],
    )  # fmt: skip

    dossier.refresh_from_db()
    assert dossier.state == "refused"
    assert dossier.decision == "refused"
    assert dossier.decision_motivation == MOTIVATION
    assert dossier.extra["refusal_grounds"] == ["not_stopped", "project_insufficient"]
    assert dossier.pathway.status == PathwayStatus.REFUSED


@pytest.mark.parametrize(
    "start_on",
    [
        pytest.param(lambda: timezone.localdate(), id="on-the-avis-day"),
        pytest.param(
            lambda: timezone.localdate() + relativedelta(months=3), id="three-months-ahead"
        ),
    ],
)
def test_a_first_pathway_starts_between_the_avis_and_three_months_later(
    in31: In31, dossier_at: Callable[[str], Dossier], start_on: Callable[[], dt.date]
) -> None:
    dossier = dossier_at("avis_given")

    fire(in31("prefet"), dossier, "authorise", start_on=start_on().isoformat())

    dossier.refresh_from_db()
    assert dossier.state == "authorised"
    assert dossier.start_on == start_on()
    assert dossier.period.starts_on == start_on()


def test_missing_items_are_recorded_with_the_request(
    in31: In31, dossier_at: Callable[[str], Dossier]
) -> None:
    dossier = dossier_at("submitted")

    fire(
        in31("coordinator"),
        dossier,
        "request_missing_items",
        comment="  Pièce d'identité illisible ",
    )

    dossier.refresh_from_db()
    assert dossier.state == "incomplete"
    assert dossier.missing_items == "Pièce d'identité illisible"
    assert (
        dossier.events.get(transition="request_missing_items").comment
        == "Pièce d'identité illisible"
    )
