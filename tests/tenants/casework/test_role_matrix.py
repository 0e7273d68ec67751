"""Who may fire each transition of the national PSP template: every transition × every role."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.utils import timezone

from tenants.casework.selectors import NotInScope
from tenants.casework.services import (
    SESSION_TRANSITIONS,
    CaseworkError,
    TransitionRequest,
    dossier_transition,
)
from tests.tenants.casework.conftest import prepare

TEMPLATE = json.loads(
    (
        Path(__file__).resolve().parents[3] / "platform/parcours/workflows/definitions/psp-1.json"
    ).read_text()
)
ROLES = ["association_worker", "coordinator", "prefet", "member", "dpo"]
# How to reach each state from a prepared draft, and what each transition needs.
ROUTE = {
    "draft": [],
    "incomplete": [("association_worker", "submit"), ("coordinator", "request_missing_items")],
    "submitted": [("association_worker", "submit")],
    "complete": [("association_worker", "submit"), ("coordinator", "declare_complete")],
    "scheduled": [
        ("association_worker", "submit"),
        ("coordinator", "declare_complete"),
        ("coordinator", "schedule"),
    ],
    "avis_given": [
        ("association_worker", "submit"),
        ("coordinator", "declare_complete"),
        ("coordinator", "schedule"),
        ("coordinator", "record_commission_avis"),
    ],
}
PAYLOAD = {
    "request_missing_items": ({}, "Pièce d'identité illisible"),
    "schedule": ({"session_on": "today"}, ""),
    "record_commission_avis": (
        {"avis": "favourable", "votes_for": 7, "votes_against": 1, "abstentions": 0},
        "",
    ),
    "adjourn": ({}, "Dossier à revoir en séance suivante"),
    "authorise": ({"start_on": "today"}, ""),
    "refuse": (
        {
            "motivation": "Le projet ne comporte aucune démarche de logement ni de soins.",
            "grounds": ["project_insufficient"],
        },
        "",
    ),
    "withdraw": ({}, "La personne renonce à sa demande"),
}
CASES = [
    (name, state, role)
    for name, transition in TEMPLATE["transitions"].items()
    for state in transition["from"][:1]
    for role in ROLES
]


def fire(access, dossier_id, name):  # type: ignore[no-untyped-def]
    data, comment = PAYLOAD.get(name, ({}, ""))
    # "today" is read when the transition fires, not when the module is collected: a run that
    # crosses midnight in Paris would otherwise schedule its sessions in the past.
    today = timezone.localdate().isoformat()
    data = {key: today if value == "today" else value for key, value in data.items()}
    return dossier_transition(
        access=access,
        dossier_id=dossier_id,
        request=TransitionRequest(name=name, data=data, comment=comment),
        # The role rules of the engine; the commission's services fire its own transitions.
        from_session=name in SESSION_TRANSITIONS,
    )


@pytest.mark.parametrize(("name", "state", "role"), CASES, ids=[f"{n}-{r}" for n, _, r in CASES])
def test_only_the_roles_of_the_template_may_fire_a_transition(in31, name, state, role) -> None:  # type: ignore[no-untyped-def]
    dossier = prepare(in31("association_worker"))
    for actor, step in ROUTE[state]:
        fire(in31(actor), dossier.pk, step)
    allowed = role in TEMPLATE["transitions"][name]["roles"]
    if allowed:
        assert fire(in31(role), dossier.pk, name).state == TEMPLATE["transitions"][name]["to"]
    else:
        with pytest.raises((CaseworkError, NotInScope)):
            fire(in31(role), dossier.pk, name)
        dossier.refresh_from_db()
        assert dossier.state == state
