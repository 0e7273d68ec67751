"""The cross-tenant harness, under attack: real API tokens as well as sessions, every write
method, real object ids, the answer's content, CSRF enforced, host variants and forwarded
headers. `test_isolation.py` enumerates the routes; this file attacks them harder.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from parcours.accounts.models import User
from tests.api.test_casework import plain_dossier
from tests.conftest import People, api_token_for, client_for, second_factor_give
from tests.test_isolation import DENIED, SAMPLE_ARGS, TENANT_ROLE_ROUTES, Route

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

API_ROUTES = [r for r in TENANT_ROLE_ROUTES if r.path.startswith("/api/")]
METHODS = ["get", "post", "put", "patch", "delete"]


def _token_client(role: str, code: str | None, host: str) -> Client:
    user = User.objects.get(email=People.email(role, code))
    key = api_token_for(user)
    return Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Token {key}")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("role", "code"),
    [("coordinator", "75"), ("association_worker", "13"), ("national_operator", None)],
)
@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.name)
def test_a_token_of_another_space_opens_no_api_route_of_31(
    route: Route, role: str, code: str | None, method: str
) -> None:
    client = _token_client(role, code, "31.localhost")
    response = getattr(client, method)(route.path, {}, content_type="application/json")
    assert response.status_code in DENIED, (route, role, method, response.status_code)


@pytest.fixture
def real_ids(settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.MEDIA_ROOT = str(tmp_path)
    dossier = plain_dossier()
    with schema_context("dep_31"):
        pseudonym = dossier.person.pseudonym
    return {"pk": dossier.pk, "person": dossier.person_id, "pseudonym": pseudonym}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.name)
def test_real_ids_of_31_give_nothing_to_a_coordinator_of_75(
    route: Route, method: str, real_ids: dict[str, Any]
) -> None:
    path = route.path.replace(f"/{SAMPLE_ARGS['pk']}/", f"/{real_ids['pk']}/")
    client = _token_client("coordinator", "75", "31.localhost")
    response = getattr(client, method)(path, {}, content_type="application/json")
    assert response.status_code in DENIED, (path, method, response.status_code)
    assert real_ids["pseudonym"].encode() not in response.content


def test_the_association_of_75_sees_nothing_of_31_on_its_own_host(real_ids: dict[str, Any]) -> None:
    client = _token_client("association_worker", "75", "75.localhost")
    for path in ("/api/v1/dossiers/", "/api/v1/persons/", f"/api/v1/dossiers/{real_ids['pk']}/"):
        response = client.get(path)
        assert real_ids["pseudonym"].encode() not in response.content, path


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/personnes/nouvelle/", {"last_name": "Doe", "first_name": "Jane"}),
        ("/pilotage/actions/", {"kind": "axis", "title": "Axe", "first_year": "2025"}),
        ("/api/v1/pilotage/strategy/", {"title": "Axe", "first_year": 2025, "last_year": 2026}),
    ],
)
def test_a_signed_in_browser_cannot_be_made_to_write_without_the_csrf_token(
    path: str, data: dict[str, Any]
) -> None:
    role = "association_worker" if path.startswith("/personnes") else "coordinator"
    client = Client(HTTP_HOST="31.localhost", enforce_csrf_checks=True)
    user = User.objects.get(email=People.email(role, "31"))
    client.force_login(user)
    second_factor_give(client, user=user)  # fully signed in: only the CSRF token is missing
    as_json = {"content_type": "application/json"} if path.startswith("/api/") else {}
    response = client.post(path, data, **as_json)
    assert response.status_code == 403, (path, response.status_code)


@pytest.mark.parametrize(
    "host", ["31.LOCALHOST", "31.localhost:8000", "31.localhost."], ids=["upper", "port", "dot"]
)
def test_host_variants_reach_31_or_nothing(host: str) -> None:
    client = client_for("coordinator", "31", on=None)
    client.defaults["HTTP_HOST"] = host
    response = client.get("/api/v1/departement/")
    if response.status_code == 200:
        assert response.json()["code"] == "31"
    else:
        assert response.status_code in {400, 404}


def test_a_forwarded_host_header_does_not_move_a_request_to_another_departement() -> None:
    client = client_for("coordinator", "31")
    response = client.get("/api/v1/departement/", HTTP_X_FORWARDED_HOST="75.localhost")
    assert response.status_code == 200
    assert response.json()["code"] == "31"
    # And the other way round: a 75 person cannot reach 75 through 31's host.
    other = client_for("coordinator", "75", on="31")
    assert (
        other.get("/api/v1/departement/", HTTP_X_FORWARDED_HOST="75.localhost").status_code
        in DENIED
    )
