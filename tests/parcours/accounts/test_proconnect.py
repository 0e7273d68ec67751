"""ProConnect end to end against a real OpenID provider in a second process (tests/oidc_provider).

Parcours is driven with Django's test client on the national host; the provider with `requests`
(its own cookies, its sign-in form posted). Every refusal is checked against a sign-in of the
same shape that succeeds, so that none passes for the wrong reason.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from django.test import Client

from parcours.accounts.proconnect import SECOND_FACTOR_KEY, provider_configuration
from parcours.audit.models import AuditEvent
from tests.oidc_provider.fixture import (
    STRANGER,
    UNVERIFIED,
    AtProvider,
    OidcProvider,
    local,
)

pytestmark = pytest.mark.usefixtures("base", "db")

COORDINATOR = "coordinator.31@test.parcours"
OPERATOR = "national_operator.national@test.parcours"


def start(client: Client) -> str:
    response = client.get("/proconnect/connexion/")
    assert response.status_code == 302
    return str(response["Location"])


def sign_in(
    provider: OidcProvider, email: str, **knobs: Any
) -> tuple[Client, AtProvider, Any, str]:
    client = Client(HTTP_HOST="localhost")
    browser = AtProvider(provider)
    callback = browser.authorize(start(client), email=email, **knobs)
    return client, browser, client.get(local(callback)), callback


def last_event(action: str) -> AuditEvent:
    from django_tenants.utils import schema_context

    with schema_context("public"):
        event = AuditEvent.objects.filter(action=action).order_by("-pk").first()
    assert event is not None
    return event


def test_discovery_gives_the_provider_endpoints(proconnect_on: OidcProvider) -> None:
    provider = provider_configuration()
    assert provider.issuer == proconnect_on.issuer
    assert provider.jwks_uri.startswith(proconnect_on.base)
    assert provider.end_session_endpoint.startswith(proconnect_on.base)
    keys = requests.get(provider.jwks_uri, timeout=5).json()["keys"]
    assert [key["kty"] for key in keys] == ["RSA"]


def test_the_authorization_request_asks_for_the_scopes_acr_nonce_and_pkce(
    proconnect_on: OidcProvider,
) -> None:
    query = parse_qs(urlsplit(start(Client(HTTP_HOST="localhost"))).query)
    assert query["scope"] == ["openid email given_name usual_name"]
    assert query["acr_values"] == ["eidas1 eidas2"]
    assert query["redirect_uri"] == ["http://localhost/proconnect/retour/"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32


def test_an_agent_signs_in_and_lands_in_their_space(proconnect_on: OidcProvider) -> None:
    client, _, response, _ = sign_in(proconnect_on, COORDINATOR, second_factor=True)
    assert response.status_code == 302
    # The usual landing: a département's agent is carried to their space by the handoff.
    assert response["Location"] == "/espaces/aller/31/"
    assert client.session["_auth_user_backend"] == "parcours.accounts.proconnect.ProConnectBackend"
    assert client.get("/espaces/").status_code == 200


def test_an_acr_without_second_factor_asks_the_accounts_own(proconnect_on: OidcProvider) -> None:
    """The coordination reads identities: signed in at eidas1, it gives its TOTP code first."""
    client, _, response, _ = sign_in(proconnect_on, COORDINATOR)
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/second-facteur/")
    event = last_event("auth.proconnect_login")
    assert event.data["acr"] == "eidas1"
    assert event.data["second_factor"] is False
    assert SECOND_FACTOR_KEY not in client.session


def test_userinfo_comes_as_a_jwt_signed_by_the_provider(
    proconnect_on: OidcProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As ProConnect's: the claims are read only once its signature, issuer and audience hold."""
    from parcours.accounts import proconnect

    answers: list[requests.Response] = []
    original = requests.get

    def get(url: str, **kwargs: Any) -> requests.Response:
        response = original(url, **kwargs)
        answers.append(response)
        return response

    monkeypatch.setattr(proconnect.requests, "get", get)
    _, _, response, _ = sign_in(proconnect_on, COORDINATOR)
    assert response.status_code == 302
    userinfo = [a for a in answers if a.url == provider_configuration().userinfo_endpoint]
    assert [a.headers["content-type"] for a in userinfo] == ["application/jwt"]
    assert jwt.get_unverified_header(userinfo[0].text)["alg"] == "RS256"


def test_an_acr_proving_a_second_factor_marks_the_session(proconnect_on: OidcProvider) -> None:
    client, _, response, _ = sign_in(proconnect_on, OPERATOR, second_factor=True)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session[SECOND_FACTOR_KEY] == "proconnect"
    assert last_event("auth.proconnect_login").data == {
        "host": "localhost",
        "acr": "eidas2",
        "second_factor": True,
    }


def test_an_acr_outside_the_configured_set_marks_nothing(
    proconnect_on: OidcProvider, settings: Any
) -> None:
    settings.PROCONNECT_SECOND_FACTOR_ACR = "eidas3"
    client, _, response, _ = sign_in(proconnect_on, OPERATOR, second_factor=True)
    assert response.status_code == 302
    assert last_event("auth.proconnect_login").data["acr"] == "eidas2"
    assert SECOND_FACTOR_KEY not in client.session


def refused(response: Any, client: Client, reason: str, status: int) -> None:
    assert response.status_code == status, response.content[:300]
    assert "_auth_user_id" not in client.session
    assert last_event("auth.proconnect_refused").data["reason"] == reason
    assert "ProConnect" in response.content.decode() or status == 403


def test_a_token_signed_with_another_key_is_refused(proconnect_on: OidcProvider) -> None:
    client, _, response, _ = sign_in(proconnect_on, COORDINATOR, id_token="forged")
    refused(response, client, "token", 400)
    assert "pas pu être vérifiée" in response.content.decode()


def test_an_expired_token_is_refused(proconnect_on: OidcProvider) -> None:
    client, _, response, _ = sign_in(proconnect_on, COORDINATOR, id_token="expired")
    refused(response, client, "token", 400)


def test_the_provider_really_signs_with_its_published_key_and_a_rogue_one_when_asked(
    proconnect_on: OidcProvider,
) -> None:
    """The two refusals above fail the signature and the expiry, not something else."""
    from mozilla_django_oidc.auth import OIDCAuthenticationBackend

    captured: list[str] = []
    original = OIDCAuthenticationBackend.get_token

    def spy(self: Any, payload: dict[str, Any]) -> Any:
        info = original(self, payload)
        captured.append(info["id_token"])
        return info

    OIDCAuthenticationBackend.get_token = spy  # type: ignore[method-assign]
    try:
        for knob in ("valid", "forged", "expired"):
            sign_in(proconnect_on, COORDINATOR, id_token=knob)
    finally:
        OIDCAuthenticationBackend.get_token = original  # type: ignore[method-assign]
    jwks = jwt.PyJWKClient(provider_configuration().jwks_uri)
    valid, forged, expired = captured
    options = {"verify_aud": False}
    key = jwks.get_signing_key_from_jwt(valid).key
    assert jwt.get_unverified_header(valid)["alg"] == "RS256"
    jwt.decode(valid, key, algorithms=["RS256"], options=options)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, key, algorithms=["RS256"], options=options)
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(expired, key, algorithms=["RS256"], options=options)


def test_a_provider_gone_during_the_exchange_gives_a_clear_page(
    proconnect_on: OidcProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    from parcours.accounts import proconnect

    client = Client(HTTP_HOST="localhost")
    callback = AtProvider(proconnect_on).authorize(start(client), email=COORDINATOR)
    url = proconnect_on.discovery_url
    at, document = proconnect._discovered[url]
    gone = {**document, "token_endpoint": "http://127.0.0.1:9/o/token/"}
    monkeypatch.setitem(proconnect._discovered, url, (at, gone))
    response = client.get(local(callback))
    refused(response, client, "unavailable", 503)


def test_a_replayed_callback_is_refused(proconnect_on: OidcProvider) -> None:
    client, _, response, callback = sign_in(proconnect_on, COORDINATOR)
    assert response.status_code == 302
    assert client.get(local(callback)).status_code == 400
    other = Client(HTTP_HOST="localhost")
    replay = other.get(local(callback))
    refused(replay, other, "state", 400)


def test_a_nonce_other_than_the_one_asked_for_is_refused(proconnect_on: OidcProvider) -> None:
    client = Client(HTTP_HOST="localhost")
    callback = AtProvider(proconnect_on).authorize(start(client), email=COORDINATOR)
    state = parse_qs(urlsplit(callback).query)["state"][0]
    session = client.session
    session["proconnect_states"][state]["nonce"] = "a-nonce-this-browser-never-sent"
    session.save()
    refused(client.get(local(callback)), client, "token", 400)


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        (UNVERIFIED, "email_unverified"),
        (STRANGER, "unknown_account"),
        ("association_worker.31@test.parcours", "not_state_agent"),
    ],
)
def test_only_verified_addresses_of_existing_state_agents_open_an_account(
    proconnect_on: OidcProvider, email: str, reason: str
) -> None:
    from parcours.accounts.models import User

    before = User.objects.count()
    client, _, response, _ = sign_in(proconnect_on, email)
    refused(response, client, reason, 403)
    assert User.objects.count() == before  # never an account created from the provider


def test_signing_out_ends_the_provider_session_too(proconnect_on: OidcProvider) -> None:
    client, browser, response, _ = sign_in(proconnect_on, OPERATOR)
    assert response.status_code == 302
    farewell = client.post("/deconnexion/")
    assert farewell.status_code == 302
    end_session = str(farewell["Location"])
    assert end_session.startswith(provider_configuration().end_session_endpoint)
    query = parse_qs(urlsplit(end_session).query)
    assert query["post_logout_redirect_uri"] == ["http://localhost/proconnect/deconnecte/"]
    assert jwt.decode(query["id_token_hint"][0], options={"verify_signature": False})["email"] == (
        OPERATOR
    )
    assert "_auth_user_id" not in client.session

    back = browser.follow(end_session)
    assert back.startswith("http://localhost/proconnect/deconnecte/?")
    assert parse_qs(urlsplit(back).query)["state"] == query["state"]
    page = client.get(local(back))
    assert page.status_code == 200
    assert "Vous êtes déconnecté" in page.content.decode()
    assert client.get(local(back)).status_code == 400  # the state serves once
    # The provider's session is over: a new sign-in asks for the password again.
    again = browser.http.get(start(Client(HTTP_HOST="localhost")), allow_redirects=False)
    assert urlsplit(again.headers["Location"]).path == "/login/"


def test_a_password_sign_out_goes_nowhere_else(proconnect_on: OidcProvider, login: Any) -> None:
    client = login("national_operator", None)
    response = client.post("/deconnexion/")
    assert response["Location"] == "/connexion/"
