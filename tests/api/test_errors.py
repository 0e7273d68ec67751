"""The API's one error format (api/errors.py), on every kind of error a client can meet.

{"error": {"status", "code", "message", "request_id", ["fields"]}}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

LEGAL_PARAMETERS = "/api/v1/referentiel/legal-parameters/"
ERROR_KEYS = {"status", "code", "message", "request_id"}


def _bad_legal_parameter() -> Any:
    body = {"key": "", "value": "-3", "effective_from": "pas une date"}
    return client_for("national_operator", None).post(
        LEGAL_PARAMETERS, body, content_type="application/json"
    )


def _anonymous_me() -> Any:
    return Client(HTTP_HOST="localhost").get("/api/v1/me/")


def _analyst_posts_legal_parameter() -> Any:
    return client_for("national_analyst", None).post(
        LEGAL_PARAMETERS, {}, content_type="application/json"
    )


def _value_before_any_legal_text() -> Any:
    return client_for("coordinator", "31").get(
        "/api/v1/referentiel/legal-parameters/afis_monthly_amount/value/?on=2016-01-01"
    )


def _method_not_allowed() -> Any:
    return client_for("coordinator", "31").delete("/api/v1/me/")


# name → (request, accepted HTTP statuses, error code)
DRF_ERRORS: dict[str, tuple[Callable[[], Any], set[int], str]] = {
    "400-validation": (_bad_legal_parameter, {400}, "invalid"),
    # 401 is the documented status; 403 is what DRF gives today (see the xfail below).
    "401-anonymous": (_anonymous_me, {401, 403}, "not_authenticated"),
    "403-analyst-writes": (_analyst_posts_legal_parameter, {403}, "permission_denied"),
    "404-no-value-in-force": (_value_before_any_legal_text, {404}, "not_found"),
    "405-method": (_method_not_allowed, {405}, "method_not_allowed"),
}


@pytest.mark.parametrize("case", DRF_ERRORS, ids=str)
def test_error_answer_has_the_documented_shape(case: str) -> None:
    make_request, statuses, code = DRF_ERRORS[case]
    response = make_request()

    assert response.status_code in statuses
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert ERROR_KEYS <= set(error) <= ERROR_KEYS | {"fields"}
    assert error["status"] == response.status_code
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert ("fields" in error) == (response.status_code == 400)


@pytest.mark.parametrize("case", DRF_ERRORS, ids=str)
def test_request_id_header_equals_the_error_request_id(case: str) -> None:
    response = DRF_ERRORS[case][0]()

    request_id = response.json()["error"]["request_id"]
    assert len(request_id) >= 8
    assert response["X-Request-ID"] == request_id


def test_request_ids_differ_between_requests() -> None:
    first = _anonymous_me().json()["error"]["request_id"]
    second = _anonymous_me().json()["error"]["request_id"]

    assert first != second


@pytest.mark.parametrize(
    ("incoming", "echoed"),
    [("trace-0123456789abcdef", True), ("bad id with spaces!", False), ("short", False)],
)
def test_incoming_request_id_is_reused_only_when_well_formed(incoming: str, echoed: bool) -> None:
    response = Client(HTTP_HOST="localhost").get("/api/v1/me/", HTTP_X_REQUEST_ID=incoming)

    request_id = response.json()["error"]["request_id"]
    assert response["X-Request-ID"] == request_id
    assert (request_id == incoming) is echoed


def test_validation_error_lists_every_field_in_french() -> None:
    error = _bad_legal_parameter().json()["error"]

    assert error["message"] == "Les données envoyées ne sont pas valides."
    fields = error["fields"]
    assert set(fields) == {"key", "value", "effective_from", "source", "confidence"}
    assert all(isinstance(messages, list) and messages for messages in fields.values())
    assert fields["key"] == ["Ce champ ne peut être vide."]
    assert fields["source"] == ["Ce champ est obligatoire."]
    assert fields["confidence"] == ["Ce champ est obligatoire."]
    assert "supérieure ou égale à" in fields["value"][0]
    assert "La date n'a pas le bon format" in fields["effective_from"][0]


def test_validation_error_of_a_service_is_a_field_error() -> None:
    """A django ValidationError raised by a service becomes the same 400 with `fields`."""
    body = {
        "key": "afis_monthly_amount",
        "value": "330.00",
        "effective_from": "2017-04-15",  # the date of the row shipped with the code
        "source": "Décret 2017-542",
        "confidence": "C",
    }
    response = client_for("national_operator", None).post(
        LEGAL_PARAMETERS, body, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "effective_from": ["Une valeur existe déjà à cette date d'effet pour ce paramètre."]
    }


def test_forbidden_and_not_found_messages_are_french() -> None:
    assert _analyst_posts_legal_parameter().json()["error"]["message"] == (
        "Vous n'avez pas la permission d'effectuer cette action."
    )
    assert _value_before_any_legal_text().json()["error"]["message"] == (
        "Aucune valeur de afis_monthly_amount en vigueur le 1er janvier 2016"
    )


def test_anonymous_request_is_401_with_a_challenge() -> None:
    response = _anonymous_me()

    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401
    assert response["WWW-Authenticate"] == "Token"


def test_unknown_api_route_on_a_tenant_host_is_404() -> None:
    response = client_for("coordinator", "31").get("/api/v1/nexiste-pas/")

    assert response.status_code == 404
    assert response["X-Request-ID"]


def test_unknown_api_route_answers_in_the_error_format() -> None:
    response = client_for("coordinator", "31").get("/api/v1/nexiste-pas/")

    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == 404
    assert error["code"] == "not_found"
    assert error["request_id"] == response["X-Request-ID"]
