"""api/throttling.py: the per-address limits hold across hosts and against forged headers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from api.throttling import ScopedRateThrottle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _two_token_requests_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "token": "2/minute"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)


def _ask(host: str, **headers: Any) -> int:
    response = Client(HTTP_HOST=host, **headers).post(
        TOKEN,
        {"email": "personne@example.org", "password": "not the password"},
        content_type="application/json",
    )
    return response.status_code


def test_a_forged_forwarded_for_header_does_not_reset_the_limit() -> None:
    statuses = [_ask("31.localhost", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}") for n in range(3)]
    assert statuses[:2] != [429, 429]
    assert statuses[2] == 429


def test_the_limit_counts_across_every_departement_host() -> None:
    statuses = [_ask(host) for host in ("31.localhost", "75.localhost", "13.localhost")]
    assert statuses[2] == 429


def test_the_refusal_is_the_documented_json() -> None:
    for _ in range(2):
        _ask("31.localhost")
    response = Client(HTTP_HOST="localhost").post(
        TOKEN, {"email": "x@example.org", "password": "y"}, content_type="application/json"
    )
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert "Retry-After" in response
