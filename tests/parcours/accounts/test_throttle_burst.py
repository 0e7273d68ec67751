"""A burst of sign-in attempts sent at once gets no more guesses than the limit
(accounts/throttle.py).

A module of its own because it is transactional: its threads write the lockout's audit row on
connections of their own, and in an ordinary test the test's open transaction may hold the
audit chain's lock (when `base` was rebuilt inside it after a committed test), so they would
wait for it forever.
"""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from parcours.accounts.models import User
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True)]

LIMIT = 3


@pytest.fixture(autouse=True)
def limit(settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOGIN_FAILURE_LIMIT = LIMIT
    settings.LOGIN_FAILURE_WINDOW = 900


@pytest.fixture
def email(committed: None) -> str:
    """An account of this test's own: counters outlive a test and may be shared by workers."""
    address = f"agent-{uuid.uuid4().hex[:10]}@exemple.fr"
    User.objects.create_user(address, PASSWORD, first_name="Agent", last_name="Test")
    return address


def sign_in(email: str, password: str) -> int:
    response = Client(HTTP_HOST="localhost").post(
        "/connexion/", {"email": email, "password": password}
    )
    return response.status_code


def test_simultaneous_attempts_are_counted_before_the_password_is_checked(email: str) -> None:
    """A burst sent at once must not get more guesses than the limit."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def attempt(_: int) -> int:
        try:
            return sign_in(email, "pas le bon")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(attempt, range(LIMIT + 5)))

    assert statuses.count(200) == LIMIT  # checked, and refused as wrong
    assert statuses.count(429) == 5
