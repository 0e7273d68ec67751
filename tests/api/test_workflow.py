"""The PSP workflow a département follows: read by its people, adjusted by its coordination only,
and only where the law leaves room (API /api/v1/workflow/ and the page /modele-de-parcours/)."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from parcours.db import connection
from parcours.departements.models import Tenant
from parcours.workflows.models import WorkflowVariant
from parcours.workflows.services import current_variant
from tenants.casework.models import Dossier
from tenants.casework.services import dossier_create, person_create
from tests.tenants.casework.conftest import access_as

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

URL = "/api/v1/workflow/"
PAGE = "/modele-de-parcours/"
Login = Callable[..., Client]
LAWFUL = {
    "deadlines": {"period_end_warning_days": 45, "instruction_target_days": 60},
    "options": {"early_end_of_pathway": True},
}


def put(client: Client, body: dict[str, Any]) -> Any:
    return client.put(URL, body, content_type="application/json")


def variant_31() -> WorkflowVariant:
    variant = current_variant(tenant=Tenant.objects.get(code="31"))
    connection.set_schema_to_public()
    return variant


def refusal(response: Any) -> list[str]:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (400, "refused")
    assert error["request_id"]
    return error["fields"]["non_field_errors"]


# --- The API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "prefet", "association_worker"])
def test_the_departements_people_read_the_workflow_it_follows(login: Login, role: str) -> None:
    response = login(role, "31").get(URL)

    assert response.status_code == 200
    body = response.json()
    assert (body["template"], body["version"]) == ("psp", 1)
    assert body["variant"] == variant_31().pk
    definition = body["definition"]
    assert (definition["code"], definition["version"]) == ("psp", 1)
    assert definition["legal_parameters"]["period_months"] == "psp_period_months"
    assert {"submit", "record_commission_avis", "authorise", "refuse"} <= set(
        definition["transitions"]
    )
    assert definition["transitions"]["authorise"]["roles"] == ["prefet"]


@pytest.mark.parametrize("role", ["member", "dpo"])
def test_commission_members_and_the_dpo_do_not_read_it_through_the_api(
    login: Login, role: str
) -> None:
    assert login(role, "31").get(URL).status_code == 403


def test_the_coordination_adjusts_what_the_law_leaves_open(login: Login) -> None:
    before = variant_31().pk
    client = login("coordinator", "31")

    response = put(client, {"adjustments": LAWFUL})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["variant"] != before
    assert body["adjustments"] == LAWFUL
    assert body["definition"]["deadlines"]["period_end_warning_days"] == 45
    assert body["definition"]["deadlines"]["instruction_target_days"] == 60
    assert body["definition"]["deadlines"]["decision_target_days"] == 30  # untouched
    assert body["definition"]["options"]["early_end_of_pathway"] is True
    assert client.get(URL).json()["variant"] == body["variant"]  # new files follow it
    assert variant_31().pk == body["variant"]
    assert WorkflowVariant.objects.get(pk=before).is_current is False  # kept, not edited


def test_a_file_keeps_the_variant_it_was_opened_with(login: Login, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    before = variant_31().pk
    connection.set_tenant(Tenant.objects.get(code="31"))
    worker = access_as("association_worker", "31")
    person = person_create(
        access=worker,
        identity={"first_name": "Jane", "last_name": "Doe"},
        children_count=0,
        languages=[],
    )
    dossier = dossier_create(access=worker, person_id=person.pk, kind="first_request")
    connection.set_schema_to_public()

    assert put(login("coordinator", "31"), {"adjustments": LAWFUL}).status_code == 200

    detail = login("coordinator", "31").get(f"/api/v1/dossiers/{dossier.pk}/").json()
    assert detail["workflow"] == f"psp-1#{before}"
    connection.set_tenant(Tenant.objects.get(code="31"))
    assert Dossier.objects.get(pk=dossier.pk).workflow_variant_id == before


@pytest.mark.parametrize(
    ("adjustments", "reason"),
    [
        ({"period_months": 9}, "6 mois"),
        ({"max_total_months": 36}, "24 mois"),
        ({"transitions": {}}, "étapes légales"),
        ({"deadlines": {"instruction_target_days": 400}}, "entre 1 et 365"),
        ({"deadlines": {"nap_days": 3}}, "Délai inconnu"),
        ({"options": {"early_end_of_pathway": "oui"}}, "vaut vrai ou faux"),
        ({"documents": {"remove": ["identity"]}}, "exigée par les textes"),
        (
            {"extra_fields": {"type": "object", "properties": {"state": {"type": "string"}}}},
            "noms réservés state",
        ),
    ],
    ids=[
        "period",
        "ceiling",
        "legal-steps",
        "deadline-bounds",
        "unknown-deadline",
        "option-not-boolean",
        "legal-piece",
        "reserved-field",
    ],
)
def test_what_the_law_fixes_cannot_be_adjusted(
    login: Login, adjustments: dict[str, Any], reason: str
) -> None:
    before = variant_31().pk

    reasons = refusal(put(login("coordinator", "31"), {"adjustments": adjustments}))

    assert any(reason in r for r in reasons), reasons
    assert variant_31().pk == before  # nothing saved


def test_the_period_length_is_refused_with_the_legal_reason(login: Login) -> None:
    reasons = refusal(put(login("coordinator", "31"), {"adjustments": {"period_months": 9}}))

    assert reasons == [
        "La durée d'une période (6 mois) et la durée totale (24 mois) sont fixées par la loi et "
        "ne peuvent pas être ajustées par un département."
    ]


def test_adjustments_must_be_an_object(login: Login) -> None:
    response = put(login("coordinator", "31"), {"adjustments": "plus court"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "adjustments" in response.json()["error"]["fields"]


@pytest.mark.parametrize("role", ["prefet", "association_worker", "member", "dpo"])
def test_only_the_coordination_adjusts_the_workflow(login: Login, role: str) -> None:
    before = variant_31().pk

    response = put(login(role, "31"), {"adjustments": LAWFUL})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert variant_31().pk == before


def test_another_departements_coordinator_does_not_adjust_31(login: Login) -> None:
    before = variant_31().pk

    response = put(login("coordinator", "75", on="31"), {"adjustments": LAWFUL})

    assert response.status_code == 403
    assert variant_31().pk == before


# --- The page ---------------------------------------------------------------------------------


def form_data(**changes: str) -> dict[str, str]:
    """What the page's form posts when nothing is changed, with `changes` applied."""
    data = {
        "instruction_target_days": "45",
        "decision_target_days": "30",
        "period_end_warning_days": "30",
        "aps_expiry_warning_days": "30",
        "missing_items_unanswered_days": "30",
        "extra_documents": "",
        "extra_fields": "",
    }
    data.update(changes)
    return data


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("role", ["member", "dpo"])
def test_the_workflow_page_and_its_api_refuse_the_same_roles(login: Login, role: str) -> None:
    client = login(role, "31")
    assert client.get(PAGE).status_code == 403
    assert client.get("/api/v1/workflow/").status_code == 403


@pytest.mark.parametrize("role", ["coordinator", "prefet", "association_worker"])
def test_who_works_on_files_sees_the_workflow_page(login: Login, role: str) -> None:
    response = login(role, "31").get(PAGE)

    assert response.status_code == 200
    page = text(response)
    assert "Modèle de parcours du département" in page
    assert "Avis de la commission rendu, décision attendue" in page
    assert ("Enregistrer le modèle du département" in page) == (role == "coordinator")


def test_the_coordination_saves_the_departements_adjustments_on_the_page(login: Login) -> None:
    before = variant_31().pk
    schema = {"type": "object", "properties": {"referent": {"type": "string"}}}

    response = login("coordinator", "31").post(
        PAGE,
        form_data(
            period_end_warning_days="45",
            early_end_of_pathway="on",
            extra_documents="attestation_hebergement | Attestation d'hébergement",
            extra_fields=json.dumps(schema),
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == PAGE
    variant = variant_31()
    assert variant.pk != before
    assert variant.workflow.options["early_end_of_pathway"] is True
    assert variant.workflow.deadlines["period_end_warning_days"] == 45
    assert variant.workflow.extra_fields == schema
    added = {d.code: d for d in variant.workflow.documents}["attestation_hebergement"]
    assert (added.label, added.legal) == ("Attestation d'hébergement", False)
    assert added.kinds == {"first_request", "renewal"}


def test_invalid_json_in_extra_fields_is_explained_and_nothing_is_saved(login: Login) -> None:
    before = variant_31().pk

    response = login("coordinator", "31").post(
        PAGE, form_data(early_end_of_pathway="on", extra_fields="{type: object")
    )

    assert response.status_code == 400
    assert "JSON invalide (ligne 1)" in text(response)
    assert 'value="30"' in text(response)  # what was typed is kept
    assert variant_31().pk == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"extra_fields": '{"type": "object", "properties": {"kind": {"type": "string"}}}'},
            "Champs complémentaires : noms réservés kind.",
        ),
        ({"extra_fields": '{"type": "array"}'}, "le schéma décrit un objet"),
        ({"extra_documents": "pas de barre verticale"}, "attendu « code | libellé »"),
        ({"extra_documents": "identity | Pièce d'identité"}, "La pièce identity existe déjà."),
        ({"decision_target_days": "0"}, "supérieure ou égale à 1"),
    ],
    ids=["reserved-field", "not-an-object", "bad-document-line", "existing-piece", "zero-days"],
)
def test_unlawful_or_malformed_adjustments_are_explained_on_the_page(
    login: Login, changes: dict[str, str], message: str
) -> None:
    before = variant_31().pk

    response = login("coordinator", "31").post(PAGE, form_data(**changes))

    assert response.status_code == 400
    assert message in text(response)
    assert variant_31().pk == before


@pytest.mark.parametrize("role", ["prefet", "association_worker", "member", "dpo"])
def test_only_the_coordination_posts_the_page(login: Login, role: str) -> None:
    before = variant_31().pk

    response = login(role, "31").post(PAGE, form_data(early_end_of_pathway="on"))

    assert response.status_code == 403
    assert variant_31().pk == before
