"""api/schema.py and the served OpenAPI document: valid, complete, errors documented."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from api.schema import ERROR_RESPONSES

URLCONFS = ["routes.public", "routes.tenant"]
METHODS = {"get", "post", "put", "patch", "delete"}
ERROR_REF = "#/components/schemas/Error"


def _generate(urlconf: str) -> tuple[dict[str, Any], dict[str, int], dict[str, int]]:
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    warnings, errors = dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache)
    GENERATOR_STATS.reset()
    return schema, warnings, errors


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


@pytest.fixture(scope="module")
def schemas() -> dict[str, tuple[dict[str, Any], dict[str, int], dict[str, int]]]:
    return {urlconf: _generate(urlconf) for urlconf in URLCONFS}


@pytest.fixture
def served(db: None, base: None) -> dict[str, Any]:
    response = Client(HTTP_HOST="31.localhost").get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


# --- the served document ------------------------------------------------------------------


def test_served_schema_is_openapi_3(served: dict[str, Any]) -> None:
    assert served["openapi"].startswith("3.")
    assert served["info"]["title"] == "Parcours API"
    assert "/api/v1/me/" in served["paths"]
    assert "Error" in served["components"]["schemas"]


def test_served_schema_passes_openapi_validation(served: dict[str, Any]) -> None:
    validate_schema(served)  # raises on an invalid document


def test_error_component_has_the_documented_shape(served: dict[str, Any]) -> None:
    components = served["components"]["schemas"]
    assert components["Error"]["properties"]["error"]["$ref"] == "#/components/schemas/ErrorBody"
    body = components["ErrorBody"]
    assert set(body["properties"]) == {"status", "code", "message", "fields", "request_id"}
    assert set(body["required"]) == {"status", "code", "message", "request_id"}


def test_every_operation_documents_the_error_answers(served: dict[str, Any]) -> None:
    operations = list(_operations(served))
    assert operations
    for path, method, operation in operations:
        for status in ERROR_RESPONSES:
            response = operation["responses"].get(str(status))
            assert response is not None, (path, method, status)
            assert response["content"]["application/json"]["schema"]["$ref"] == ERROR_REF


# --- both URL confs, generated offline ----------------------------------------------------


@pytest.mark.parametrize("urlconf", URLCONFS)
def test_generated_schema_is_valid_and_complete(schemas, urlconf: str) -> None:
    schema, _, errors = schemas[urlconf]

    validate_schema(schema)
    assert errors == {}
    expected = {"/api/v1/me/", "/api/v1/auth/token/", "/api/v1/referentiel/regions/"}
    expected |= (
        {"/api/v1/departements/", "/api/v1/departements/provision/"}
        if urlconf.endswith("public")
        else {"/api/v1/departement/"}
    )
    assert expected <= set(schema["paths"])


@pytest.mark.parametrize("urlconf", URLCONFS)
def test_generated_operation_ids_are_unique(schemas, urlconf: str) -> None:
    ids = [op["operationId"] for _, _, op in _operations(schemas[urlconf][0])]

    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("urlconf", URLCONFS)
def test_generated_schema_has_no_warning(schemas, urlconf: str) -> None:
    _, warnings, _ = schemas[urlconf]

    assert warnings == {}


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
def test_national_host_serves_the_national_schema() -> None:
    paths = Client(HTTP_HOST="localhost").get("/api/v1/schema/?format=json").json()["paths"]

    assert "/api/v1/departements/" in paths
    assert "/api/v1/departement/" not in paths


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
def test_legal_parameter_value_answer_matches_its_documented_schema(login, schemas) -> None:
    schema = schemas["routes.tenant"][0]
    operation = schema["paths"]["/api/v1/referentiel/legal-parameters/{key}/value/"]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    documented = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]

    answer = (
        login("member", "31")
        .get("/api/v1/referentiel/legal-parameters/afis_monthly_amount/value/?on=2020-01-01")
        .json()
    )

    assert set(answer) == set(documented["properties"])
