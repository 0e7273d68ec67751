"""api/views/accounts.py: the signed-in person (/me/), their memberships, the token exchange."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from django_tenants.utils import schema_context

from parcours.accounts.mfa import has_device
from parcours.accounts.models import Role, User
from parcours.accounts.services import membership_grant
from parcours.audit.models import AuditEvent
from parcours.departements.models import Tenant
from tests.conftest import PASSWORD, People, totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

TOKEN = "/api/v1/auth/token/"
COORDINATOR_31 = People.email("coordinator", "31")
UNKNOWN_EMAIL = "personne.inconnue@example.org"


def _exchange(
    email: str, password: str, host: str = "31.localhost", *, otp: str | None = "current"
) -> Any:
    """The token request of a client; "current": the code its authenticator shows now."""
    body = {"email": email, "password": password}
    if otp == "current":
        user = User.objects.filter(email__iexact=email).first()
        otp = totp_code(user) if user is not None and has_device(user=user) else None
    if otp is not None:
        body["otp"] = otp
    return Client(HTTP_HOST=host).post(TOKEN, body, content_type="application/json")


def _public_events_after(last_id: int, action: str) -> list[AuditEvent]:
    with schema_context("public"):
        return list(AuditEvent.objects.filter(id__gt=last_id, action=action).order_by("id"))


def _last_public_event_id() -> int:
    with schema_context("public"):
        return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- /me/ and /me/memberships/ -------------------------------------------------------------


@pytest.mark.parametrize("on", ["31", None], ids=["tenant-host", "national-host"])
def test_me_describes_the_signed_in_person_on_any_host(login, on: str | None) -> None:
    response = login("coordinator", "31", on=on).get("/api/v1/me/")

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == COORDINATOR_31
    assert body["memberships"] == [
        {
            "id": body["memberships"][0]["id"],
            "role": "coordinator",
            "role_label": "Coordination (DDFE)",
            "departement": "31",
            "departement_name": "Haute-Garonne",
            "association": None,
        }
    ]


@pytest.mark.parametrize("on", [None, "31"], ids=["national-host", "tenant-host"])
def test_my_memberships_of_a_national_person_have_no_departement(login, on: str | None) -> None:
    response = login("national_operator", None, on=on).get("/api/v1/me/memberships/")

    assert response.status_code == 200
    assert [(m["role"], m["departement"]) for m in response.json()] == [("national_operator", None)]


def test_my_memberships_list_every_departement_and_the_association(login) -> None:
    worker = User.objects.get(email=People.email("association_worker", "31"))
    membership_grant(
        user=worker, role=Role.MEMBER, tenant=Tenant.objects.get(code="13"), actor_id=None
    )

    response = login("association_worker", "31", on="75").get("/api/v1/me/memberships/")

    assert response.status_code == 200
    rows = {(m["departement"], m["role"], m["association"]) for m in response.json()}
    assert rows == {("13", "member", None), ("31", "association_worker", "Association A")}


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/me/memberships/"])
def test_me_refuses_anonymous_requests(path: str) -> None:
    response = Client(HTTP_HOST="31.localhost").get(path)

    assert response.status_code in {401, 403}
    assert response.json()["error"]["code"] == "not_authenticated"


# --- token exchange -----------------------------------------------------------------------


def test_token_is_usable_on_the_departement_of_its_owner() -> None:
    response = _exchange(COORDINATOR_31, PASSWORD)

    assert response.status_code == 200
    key = response.json()["token"]
    api = Client(HTTP_HOST="31.localhost", HTTP_AUTHORIZATION=f"Token {key}")
    summary = api.get("/api/v1/departement/")
    assert summary.status_code == 200
    assert summary.json()["code"] == "31"
    assert api.get("/api/v1/me/").json()["email"] == COORDINATOR_31


def test_token_gives_nothing_on_another_departement() -> None:
    key = _exchange(COORDINATOR_31, PASSWORD).json()["token"]

    response = Client(HTTP_HOST="75.localhost", HTTP_AUTHORIZATION=f"Token {key}").get(
        "/api/v1/departement/"
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_token_exchange_is_case_insensitive_and_each_exchange_is_its_own_token() -> None:
    first = _exchange(COORDINATOR_31, PASSWORD).json()["token"]
    second = _exchange(COORDINATOR_31.upper(), PASSWORD, host="localhost").json()["token"]

    assert first != second
    for key in (first, second):
        me = Client(HTTP_HOST="31.localhost", HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/me/")
        assert me.status_code == 200


def test_token_exchange_records_a_login_in_the_public_trail() -> None:
    last = _last_public_event_id()

    _exchange(COORDINATOR_31, PASSWORD)

    user = User.objects.get(email=COORDINATOR_31)
    [event] = _public_events_after(last, "auth.login")
    assert (event.actor_id, event.object_type, event.object_id) == (user.pk, "user", str(user.pk))
    assert event.data == {"host": "31.localhost"}


REFUSED = {
    "wrong-password": (COORDINATOR_31, "not the password"),
    "unknown-account": (UNKNOWN_EMAIL, PASSWORD),
}


def test_token_refusal_is_identical_for_wrong_password_and_unknown_account() -> None:
    answers = [_exchange(email, password) for email, password in REFUSED.values()]

    assert len({a.status_code for a in answers}) == 1
    errors = [a.json()["error"] for a in answers]
    assert {(e["code"], e["message"]) for e in errors} == {
        ("authentication_failed", "Adresse électronique ou mot de passe incorrect.")
    }
    assert "token" not in answers[0].json()


@pytest.mark.parametrize("case", REFUSED)
def test_token_refusal_is_401(case: str) -> None:
    response = _exchange(*REFUSED[case])

    assert response.status_code == 401
    assert response.json()["error"]["status"] == 401


@pytest.mark.parametrize("case", REFUSED)
def test_token_refusal_is_audited_without_the_typed_email(case: str) -> None:
    email, password = REFUSED[case]
    last = _last_public_event_id()

    _exchange(email, password)

    [event] = _public_events_after(last, "auth.login_failed")
    assert event.actor_id is None
    assert event.data["host"] == "31.localhost"
    assert len(event.data["identifier_digest"]) == 16
    stored = json.dumps(model_to_dict(event), default=str).lower()
    assert email.lower() not in stored
    assert email.split("@")[0].lower() not in stored
    assert password.lower() not in stored


def test_token_refusal_is_audited_in_public_not_in_the_departement() -> None:
    with schema_context("dep_31"):
        before = AuditEvent.objects.count()
    last = _last_public_event_id()

    _exchange(UNKNOWN_EMAIL, "whatever-password")

    with schema_context("dep_31"):
        assert AuditEvent.objects.count() == before
    assert len(_public_events_after(last, "auth.login_failed")) == 1


def test_token_exchange_validates_its_body() -> None:
    response = Client(HTTP_HOST="31.localhost").post(
        TOKEN, {"email": "pas-une-adresse"}, content_type="application/json"
    )

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"email", "password"}
    assert fields["password"] == ["Ce champ est obligatoire."]
