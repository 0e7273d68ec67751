"""api/authentication.py and accounts.ApiToken: tokens live a working day, die with the
password and the last role, and their holder lists and revokes them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from parcours.accounts.mfa import second_factor_verify
from parcours.accounts.models import ApiToken, Membership, User
from parcours.accounts.services import api_token_issue
from tests.conftest import People, totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

ME = "/api/v1/me/"


def _api(key: str, host: str = "31.localhost") -> Client:
    return Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Token {key}")


def _issue(user: User) -> tuple[ApiToken, str]:
    """As the token endpoint does: after a real code of the person's authenticator."""
    return api_token_issue(
        user=user, second_factor=second_factor_verify(user=user, code=totp_code(user))
    )


def _coordinator() -> User:
    return User.objects.get(email=People.email("coordinator", "31"))


def test_only_a_digest_of_the_key_is_stored() -> None:
    token, key = _issue(_coordinator())
    assert key not in {token.key_digest, token.prefix}
    assert not ApiToken.objects.filter(key_digest=key).exists()
    assert _api(key).get(ME).status_code == 200


def test_a_token_lives_a_working_day_by_default(settings) -> None:  # type: ignore[no-untyped-def]
    token, key = _issue(_coordinator())
    assert token.expires_at - token.created_at == dt.timedelta(hours=10)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = _api(key).get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_password_change_revokes_every_token() -> None:
    user = _coordinator()
    _, key = _issue(user)
    user.set_password("a completely new passphrase 2026")
    user.save()
    assert _api(key).get(ME).status_code == 401
    assert _api(key).get(ME).status_code == 401  # for good, not once


def test_a_token_dies_with_the_last_membership() -> None:
    user = _coordinator()
    _, key = _issue(user)
    Membership.objects.filter(user=user).update(is_active=False)
    assert _api(key).get(ME).status_code == 401


def test_a_person_lists_and_revokes_their_own_tokens_only() -> None:
    user = _coordinator()
    first, first_key = _issue(user)
    second, second_key = _issue(user)
    other, _ = _issue(User.objects.get(email=People.email("prefet", "31")))
    client = _api(second_key)

    listed = client.get("/api/v1/me/tokens/").json()
    assert {row["id"] for row in listed} >= {first.pk, second.pk}
    assert other.pk not in {row["id"] for row in listed}
    assert [row["current"] for row in listed if row["id"] == second.pk] == [True]
    assert "key" not in listed[0] and "key_digest" not in listed[0]

    assert client.delete(f"/api/v1/me/tokens/{other.pk}/").status_code == 404
    assert client.delete(f"/api/v1/me/tokens/{first.pk}/").status_code == 204
    assert _api(first_key).get(ME).status_code == 401
    assert client.get(ME).status_code == 200
