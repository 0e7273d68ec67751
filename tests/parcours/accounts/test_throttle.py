"""Password guessing is slowed down per account, on every host and on the API (accounts/throttle.py)."""

from __future__ import annotations

import time
import uuid

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from parcours.accounts.models import User
from parcours.accounts.throttle import identifier_digest
from parcours.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

THROTTLED = "Trop de tentatives de connexion avec cette adresse"
LIMIT = 3


@pytest.fixture(autouse=True)
def limit(settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOGIN_FAILURE_LIMIT = LIMIT
    settings.LOGIN_FAILURE_WINDOW = 900


@pytest.fixture
def email() -> str:
    """An account of this test's own: counters outlive a test and may be shared by workers."""
    address = f"agent-{uuid.uuid4().hex[:10]}@exemple.fr"
    User.objects.create_user(address, PASSWORD, first_name="Agent", last_name="Test")
    return address


def sign_in(email: str, password: str, host: str = "localhost") -> tuple[int, str]:
    response = Client(HTTP_HOST=host).post("/connexion/", {"email": email, "password": password})
    return response.status_code, response.content.decode()


def fail(email: str, times: int) -> None:
    for _ in range(times):
        status, page = sign_in(email, "pas le bon")
        assert status == 200 and THROTTLED not in page


def events(action: str, email: str) -> list[AuditEvent]:
    """This address's events only: the burst test's threads commit theirs for good."""
    with schema_context("public"):
        return list(
            AuditEvent.objects.filter(
                action=action, data__identifier_digest=identifier_digest(email)
            ).order_by("id")
        )


def test_after_the_limit_even_the_right_password_is_refused_and_audited(email: str) -> None:
    fail(email, LIMIT)

    status, page = sign_in(email, PASSWORD)

    assert status == 429
    assert THROTTLED in page
    assert "_auth_user_id" not in page
    assert sign_in(email, PASSWORD)[0] == 429
    refused = events("auth.login_throttled", email)
    assert len(refused) == 1  # once per window: refusals are cheap, the trail is not
    assert email.split("@")[0] not in repr(refused[0].data)
    assert [e.data["failures"] for e in events("auth.login_failed", email)] == [1, 2, 3]


def test_the_limit_holds_on_every_host_and_on_the_api(email: str) -> None:
    fail(email, LIMIT)

    status, page = sign_in(email, PASSWORD, host="31.localhost")
    api = Client(HTTP_HOST="75.localhost").post(
        "/api/v1/auth/token/",
        {"email": email.upper(), "password": PASSWORD},
        content_type="application/json",
    )

    assert (status, THROTTLED in page) == (429, True)
    assert api.status_code == 429
    assert api.json()["error"]["code"] == "throttled"
    assert THROTTLED in api.json()["error"]["message"]


def test_an_unknown_address_is_throttled_the_same_way(email: str) -> None:
    """Nothing in the answer tells whether an account exists."""
    unknown = f"personne-{uuid.uuid4().hex[:10]}@exemple.fr"
    fail(unknown, LIMIT)
    fail(email, LIMIT)

    (unknown_status, unknown_page), (known_status, known_page) = (
        sign_in(unknown, PASSWORD),
        sign_in(email, PASSWORD),
    )

    assert unknown_status == known_status == 429
    assert THROTTLED in unknown_page and THROTTLED in known_page


def test_other_accounts_are_not_affected(email: str) -> None:
    other = f"autre-{uuid.uuid4().hex[:10]}@exemple.fr"
    User.objects.create_user(other, PASSWORD)
    fail(email, LIMIT)

    assert sign_in(other, PASSWORD)[0] == 302


def test_a_success_before_the_limit_starts_the_count_again(email: str) -> None:
    fail(email, LIMIT - 1)
    assert sign_in(email, PASSWORD)[0] == 302

    fail(email, LIMIT - 1)

    assert sign_in(email, PASSWORD)[0] == 302


def test_the_refusal_ends_with_the_window(email: str, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOGIN_FAILURE_WINDOW = 1
    fail(email, LIMIT)
    assert sign_in(email, PASSWORD)[0] == 429

    time.sleep(1.5)

    assert sign_in(email, PASSWORD)[0] == 302
    fail(email, LIMIT)
    assert sign_in(email, PASSWORD)[0] == 429
    assert len(events("auth.login_throttled", email)) == 2  # each window's lockout is audited


def test_deploy_check_warns_when_failures_are_counted_per_process(settings) -> None:  # type: ignore[no-untyped-def]
    from parcours.accounts.checks import shared_cache_for_sign_in_throttle

    settings.CACHE_URL = ""
    assert [w.id for w in shared_cache_for_sign_in_throttle()] == ["parcours.W001"]
    settings.CACHE_URL = "redis://cache:6379/1"
    assert shared_cache_for_sign_in_throttle() == []
