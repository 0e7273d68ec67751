"""api/views/casework_transitions.py: one route and one request schema per transition.

Each transition of the national template has its route and a request component derived from the
declaration of its inputs (tenants/casework/forms.py); the commission's steps are refused on a
file, and refused as a matter of role (403) to a person who may not take them at all.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from api.serializers_transitions import data_serializer
from parcours.workflows.definition import FormName
from parcours.workflows.services import shipped_workflow
from tenants.casework.forms import INPUTS
from tenants.casework.models import Dossier
from tests.api.test_casework import (
    API,
    Login,
    error_of,
    fire,
    in_31,
    post_json,
    ready_dossier,
)
from tests.api.test_schema import _generate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def complete_file() -> Dossier:
    dossier = ready_dossier()
    fire(dossier, "association_worker", "submit")
    return fire(dossier, "coordinator", "declare_complete")


# --- The commission's steps: the role first -------------------------------------------------


@pytest.mark.parametrize("role", ["prefet", "association_worker"])
def test_a_session_step_fired_by_a_role_that_may_not_take_it_is_a_403(
    login: Login, media: Any, role: str
) -> None:
    dossier = complete_file()
    events = in_31(lambda: dossier.events.count())

    response = post_json(
        login(role, "31"),
        f"{API}/dossiers/{dossier.pk}/transitions/schedule/",
        {"data": {"session_on": timezone.localdate().isoformat()}},
    )

    error = error_of(response, 403, "permission_denied")
    assert "réservé" in error["message"]
    assert in_31(lambda: Dossier.objects.get(pk=dossier.pk).state) == "complete"
    assert in_31(lambda: dossier.events.count()) == events


def test_a_session_step_fired_on_the_file_by_the_coordination_is_refused_with_the_reason(
    login: Login, media: Any
) -> None:
    dossier = complete_file()

    response = post_json(
        login("coordinator", "31"),
        f"{API}/dossiers/{dossier.pk}/transitions/schedule/",
        {"data": {"session_on": timezone.localdate().isoformat()}},
    )

    error = error_of(response, 400, "refused")
    assert "séance de la commission" in error["fields"]["non_field_errors"][0]
    assert in_31(lambda: Dossier.objects.get(pk=dossier.pk).state) == "complete"


# --- Inputs: one declaration, the same refusal as the pages -----------------------------------


def test_a_refusal_without_grounds_is_refused_on_its_field_as_the_page_refuses_it(
    login: Login, media: Any
) -> None:
    dossier = complete_file()
    in_31(lambda: Dossier.objects.filter(pk=dossier.pk).update(state="avis_given"))

    response = post_json(
        login("prefet", "31"),
        f"{API}/dossiers/{dossier.pk}/transitions/refuse/",
        {"data": {"motivation": "x" * 40, "grounds": []}},
    )

    error = error_of(response, 400, "refused")
    assert error["fields"]["grounds"] == [
        INPUTS[FormName.DECISION_REFUSE].by_name["grounds"].missing
    ]


# --- The OpenAPI document ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    schema, _, _ = _generate("routes.tenant")
    return schema


def _request_schema(document: dict[str, Any], path: str) -> dict[str, Any]:
    body = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    ref = body["schema"]["$ref"].rsplit("/", 1)[1]
    return document["components"]["schemas"][ref]


def _component(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema itself, or the component it refers to."""
    if "$ref" not in schema and "allOf" not in schema:
        return schema
    ref = schema.get("$ref") or schema["allOf"][0]["$ref"]
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_every_transition_of_the_template_has_its_own_request_schema(
    document: dict[str, Any],
) -> None:
    workflow = shipped_workflow()
    on_files = [
        t for t in workflow.transitions.values() if t.name not in workflow.session_transitions
    ]

    refs = set()
    for transition in on_files:
        path = f"/api/v1/dossiers/{{id}}/transitions/{transition.name}/"
        request = _request_schema(document, path)
        refs.add(document["paths"][path]["post"]["operationId"])
        data = _component(document, request["properties"]["data"])
        declared = INPUTS[transition.form]
        assert set(data.get("properties", {})) == {spec.name for spec in declared.fields}
        assert set(data.get("required", [])) == {s.name for s in declared.fields if s.required}
    assert len(refs) == len(on_files)
    assert on_files  # the template's steps were found


def test_a_transitions_inputs_are_typed_with_their_limits(document: dict[str, Any]) -> None:
    authorise = _request_schema(document, "/api/v1/dossiers/{id}/transitions/authorise/")
    refuse = _request_schema(document, "/api/v1/dossiers/{id}/transitions/refuse/")

    start_on = _component(document, authorise["properties"]["data"])["properties"]["start_on"]
    refusal = _component(document, refuse["properties"]["data"])
    grounds = refusal["properties"]["grounds"]
    assert start_on["format"] == "date"
    assert set(refusal["required"]) == {"motivation", "grounds"}
    assert refusal["properties"]["motivation"]["minLength"] == 30
    grounds_enum = _component(document, grounds["items"])["enum"]
    assert set(grounds_enum) == {
        value for value, _ in INPUTS[FormName.DECISION_REFUSE].by_name["grounds"].choices
    }


def test_the_commission_steps_have_no_route_of_their_own_on_a_file(
    document: dict[str, Any],
) -> None:
    for name in shipped_workflow().session_transitions:
        assert f"/api/v1/dossiers/{{id}}/transitions/{name}/" not in document["paths"]
    assert "/api/v1/dossiers/{id}/transitions/{name}/" in document["paths"]


def test_the_data_components_are_those_of_the_declaration() -> None:
    for form, inputs in INPUTS.items():
        assert set(data_serializer(form)().fields) == {spec.name for spec in inputs.fields}
