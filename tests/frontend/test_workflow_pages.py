"""frontend/views/workflow.py: the Modèle de parcours page draws the département's workflow.

A coordination reads, from the definition its files follow, every state and every step with who
takes it, what it checks and what it asks for; its own optional steps appear with the others.
"""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from parcours.accounts.models import Role
from parcours.db import connection
from parcours.departements.models import Tenant
from parcours.workflows.definition import GUARD_LABELS
from parcours.workflows.services import current_template, current_variant, workflow_variant_save

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

PAGE = "/modele-de-parcours/"


def _row(page: str, attribute: str, value: str) -> str:
    match = re.search(rf'<tr {attribute}="{value}">(.*?)</tr>', page, re.S)
    assert match, f"no row {attribute}={value}"
    return html.unescape(match.group(1))


def _page(client: Client) -> str:
    response = client.get(PAGE)
    assert response.status_code == 200
    return response.content.decode()


def test_every_state_and_step_of_the_departements_workflow_is_drawn(login) -> None:  # type: ignore[no-untyped-def]
    variant = current_variant(tenant=Tenant.objects.get(code="31"))
    connection.set_schema_to_public()
    workflow = variant.workflow

    page = _page(login("coordinator", "31"))

    for code, state in workflow.states.items():
        assert state.label in _row(page, "data-state", code)
    for transition in workflow.transitions.values():
        row = _row(page, "data-transition", transition.name)
        assert transition.label in row
        assert workflow.states[transition.target].label in row
        for role in transition.roles:
            assert Role(role).label in row
        for guard in transition.guards:
            assert GUARD_LABELS[guard] in row


def test_a_decision_shows_its_guards_and_what_it_asks_for(login) -> None:  # type: ignore[no-untyped-def]
    page = _page(login("prefet", "31"))

    refuse = _row(page, "data-transition", "refuse")
    assert "décision" in refuse
    assert "l'avis de la commission est rendu" in refuse
    assert "Motivation" in refuse and "Motifs" in refuse
    assert "Préfet" in refuse
    assert "en séance de la commission" in _row(page, "data-transition", "schedule")


def test_a_departements_optional_step_is_drawn_with_its_roles(login) -> None:  # type: ignore[no-untyped-def]
    tenant = Tenant.objects.get(code="31")
    workflow_variant_save(
        tenant=tenant,
        template=current_template(code="psp"),
        adjustments={
            "extra_steps": [
                {
                    "code": "home_visit",
                    "label": "Visite à domicile",
                    "after": "submitted",
                    "roles": ["coordinator"],
                }
            ]
        },
        actor_id=None,
    )
    connection.set_schema_to_public()

    page = _page(login("coordinator", "31"))

    assert "Visite à domicile" in _row(page, "data-state", "home_visit")
    start = _row(page, "data-transition", "start_home_visit")
    assert "Commencer : Visite à domicile" in start
    assert Role.COORDINATOR.label in start
