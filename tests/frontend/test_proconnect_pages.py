"""ProConnect's pages without the provider: the button, the switch, hostile callbacks.

The sign-in itself, against a real provider, is tested in tests/parcours/accounts/test_proconnect.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from parcours.audit.models import AuditEvent

pytestmark = pytest.mark.usefixtures("base", "db")

BUTTON = "S'identifier avec ProConnect"


@pytest.fixture
def configured(settings: Any) -> None:
    """Configured, with a provider that does not answer (nothing here should reach it)."""
    settings.PROCONNECT_CLIENT_ID = "parcours"
    settings.PROCONNECT_CLIENT_SECRET = "secret"
    settings.PROCONNECT_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"


@pytest.fixture
def unconfigured(settings: Any) -> None:
    """As on a machine without the variables, whatever this one's environment holds."""
    settings.PROCONNECT_CLIENT_ID = ""
    settings.PROCONNECT_DISCOVERY_URL = ""


@pytest.mark.usefixtures("unconfigured")
@pytest.mark.parametrize("host", ["localhost", "31.localhost"])
def test_the_button_is_hidden_when_proconnect_is_not_configured(host: str) -> None:
    page = Client(HTTP_HOST=host).get("/connexion/").content.decode()
    assert "Se connecter" in page
    assert "ProConnect" not in page


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize("host", ["localhost", "31.localhost"])
def test_the_button_leads_to_the_national_host_from_every_host(host: str) -> None:
    page = Client(HTTP_HOST=host).get("/connexion/").content.decode()
    assert BUTTON in page
    assert 'href="http://localhost/proconnect/connexion/"' in page


@pytest.mark.usefixtures("unconfigured")
@pytest.mark.parametrize("path", ["/proconnect/connexion/", "/proconnect/retour/"])
def test_the_routes_do_not_exist_when_proconnect_is_off(path: str) -> None:
    assert Client(HTTP_HOST="localhost").get(path).status_code == 404


@pytest.mark.usefixtures("configured")
def test_a_provider_that_does_not_answer_gives_a_clear_page() -> None:
    response = Client(HTTP_HOST="localhost").get("/proconnect/connexion/")
    assert response.status_code == 503
    assert "ProConnect ne répond pas" in response.content.decode()


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize(
    "query",
    [
        "",
        "?code=abc",
        "?state=abc",
        "?code=abc&state=def",
        "?error=access_denied&state=abc",
        "?code=" + "x" * 5000 + "&state=" + "y" * 5000,
        "?code[]=1&state[]=2",
        "?state=%C3%A9t%C3%A9&code=%F0%9F%94%91",
    ],
)
def test_a_hostile_callback_is_refused_in_french_never_a_500(query: str) -> None:
    client = Client(HTTP_HOST="localhost")
    response = client.get("/proconnect/retour/" + query)
    assert response.status_code == 400
    assert "Recommencez la connexion" in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.filter(action="auth.proconnect_refused").order_by("-pk").first()
    assert event is not None and event.data["reason"] == "state"


@pytest.mark.usefixtures("configured")
def test_a_pending_sign_in_does_not_accept_another_state() -> None:
    client = Client(HTTP_HOST="localhost")
    session = client.session
    session["proconnect_states"] = {"the-real-one": {"nonce": "n", "verifier": "v", "at": 0}}
    session.save()
    response = client.get("/proconnect/retour/?code=abc&state=not-the-real-one")
    assert response.status_code == 400
    assert "the-real-one" in client.session["proconnect_states"]


@pytest.mark.usefixtures("configured")
@pytest.mark.parametrize("query", ["", "?state=", "?state=unknown", "?state=" + "z" * 500])
def test_an_unexpected_return_from_the_provider_sign_out_is_refused(query: str) -> None:
    response = Client(HTTP_HOST="localhost").get("/proconnect/deconnecte/" + query)
    assert response.status_code == 400
    assert "déconnexion ProConnect n&#x27;est pas attendu" in response.content.decode()


@pytest.mark.usefixtures("configured")
def test_a_password_sign_in_never_reaches_the_provider() -> None:
    """The backend is listed for every sign-in, but answers only its own callback: with a
    provider that does not answer, a password (even beside a code and a state) still works."""
    from tests.conftest import PASSWORD, People

    client = Client(HTTP_HOST="localhost")
    response = client.post(
        "/connexion/?code=abc&state=def",
        {"email": People.email("national_operator", None), "password": PASSWORD},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "parcours.accounts.backends.PasswordBackend"
