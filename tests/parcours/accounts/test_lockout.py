"""The targeted lockout (accounts/throttle.py, accounts/unlock.py): failures count per account
and address, and per account alone with a higher limit that an e-mailed link lifts."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from parcours.accounts.models import User
from parcours.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

THROTTLED = "Trop de tentatives de connexion avec cette adresse"
UNLOCK_OFFERED = "un lien pour le débloquer"
PER_ADDRESS = 3
PER_ACCOUNT = 6
AGENT_ADDRESS = "198.51.100.7"


@pytest.fixture(autouse=True)
def limits(settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOGIN_FAILURE_LIMIT = PER_ADDRESS
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = PER_ACCOUNT
    settings.LOGIN_FAILURE_WINDOW = 900


@pytest.fixture
def email() -> str:
    """An account of this test's own: counters outlive a test and may be shared by workers."""
    address = f"agent-{uuid.uuid4().hex[:10]}@exemple.fr"
    User.objects.create_user(address, PASSWORD, first_name="Agent", last_name="Test")
    return address


def sign_in(email: str, password: str, *, address: str, client: Client | None = None) -> Any:
    client = client or Client(HTTP_HOST="localhost", REMOTE_ADDR=address)
    return client.post("/connexion/", {"email": email, "password": password})


def stranger_fails(email: str, *, addresses: int, times: int) -> None:
    for n in range(addresses):
        for _ in range(times):
            sign_in(email, "pas le bon", address=f"203.0.113.{n + 1}")


def test_a_stranger_from_another_address_cannot_lock_the_agent_out(email: str) -> None:
    stranger_fails(email, addresses=1, times=50)
    # The stranger reached what the test claims: their own address is refused.
    assert sign_in(email, PASSWORD, address="203.0.113.1").status_code == 429

    assert sign_in(email, PASSWORD, address=AGENT_ADDRESS).status_code == 302


def test_many_addresses_lock_the_account_and_the_mailed_link_unlocks_it_once(
    email: str, mailoutbox: list[Any]
) -> None:
    stranger_fails(email, addresses=PER_ACCOUNT, times=1)
    browser = Client(HTTP_HOST="localhost", REMOTE_ADDR=AGENT_ADDRESS)

    refused = sign_in(email, PASSWORD, address=AGENT_ADDRESS, client=browser)
    assert refused.status_code == 429
    assert UNLOCK_OFFERED in html.unescape(refused.content.decode())
    [mail] = mailoutbox
    assert mail.to == [email]
    link = re.search(r"http://localhost(/connexion/debloquer/\?jeton=\S+)", mail.body)
    assert link is not None

    asked = browser.get(link.group(1))  # a mail scanner's visit spends nothing
    assert asked.status_code == 200
    jeton = link.group(1).split("jeton=", 1)[1]
    used = browser.post("/connexion/debloquer/", {"jeton": jeton})
    again = Client(HTTP_HOST="localhost").post("/connexion/debloquer/", {"jeton": jeton})

    assert used.status_code == 302
    assert again.status_code == 400
    # More failures from strangers no longer keep this browser out.
    stranger_fails(email, addresses=PER_ACCOUNT + 2, times=1)
    assert sign_in(email, PASSWORD, address=AGENT_ADDRESS, client=browser).status_code == 302
    user = User.objects.get(email=email)
    with schema_context("public"):
        actions = list(
            AuditEvent.objects.filter(object_id=str(user.pk), action__startswith="auth.unlock")
            .order_by("id")
            .values_list("action", flat=True)
        )
    assert actions == ["auth.unlock_mailed", "auth.unlocked"]
    # The mail is not sent again within the window: refusals are not a mail cannon.
    assert len(mailoutbox) == 1


def test_the_account_wide_refusal_says_nothing_about_which_accounts_exist(
    email: str, mailoutbox: list[Any]
) -> None:
    unknown = f"personne-{uuid.uuid4().hex[:10]}@exemple.fr"
    stranger_fails(unknown, addresses=PER_ACCOUNT, times=1)
    stranger_fails(email, addresses=PER_ACCOUNT, times=1)

    answers = [sign_in(e, PASSWORD, address=AGENT_ADDRESS) for e in (unknown, email)]

    assert [a.status_code for a in answers] == [429, 429]
    texts = [html.unescape(a.content.decode()) for a in answers]
    assert all(THROTTLED in t and UNLOCK_OFFERED in t for t in texts)
    assert [m.to for m in mailoutbox] == [[email]]


def test_a_forged_or_stale_link_unlocks_nothing(email: str) -> None:
    from parcours.accounts.unlock import login_unlock_token

    user = User.objects.get(email=email)
    token = login_unlock_token(user=user)
    user.set_password("un tout nouveau mot de passe 2026")
    user.save()

    for jeton in (token, token[:-3] + "abc", "x" * 600):
        response = Client(HTTP_HOST="localhost").post("/connexion/debloquer/", {"jeton": jeton})
        assert response.status_code == 400
        assert "pas valable" in html.unescape(response.content.decode())
