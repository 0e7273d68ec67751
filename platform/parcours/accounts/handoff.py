"""Carrying a sign-in from one host to another (national console ↔ départements).

Browsers do not share cookies between `31.localhost` and `75.localhost` (`localhost` has no
registrable domain), and sessions per host are a sound default anyway. Moving to another space
goes through a signed, single-use token valid for one minute and for one target host only;
the target host opens its own session. A changed password invalidates pending tokens.

The target asks before it signs anyone in, and never replaces another person's session: a
link minted by one account and opened in a browser signed in as someone else (or by no one)
would otherwise sign that browser in as the link's owner (login CSRF).

The second factor travels with the sign-in: a token minted from a session that gave it says
by which method (accounts/mfa.py), and the target's session records it; a token minted from a
password-only session carries none, and the target asks for the second factor in its turn.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core import signing
from django.core.cache import cache
from django_tenants.utils import schema_context

from parcours.accounts.models import User

SALT = "parcours.accounts.handoff"
MAX_AGE_SECONDS = 60


def handoff_token(*, user: User, target_host: str, second_factor: str = "") -> str:
    return signing.dumps(
        {
            "u": user.pk,
            "h": target_host,
            "n": secrets.token_urlsafe(12),
            "a": user.get_session_auth_hash(),
            "f": second_factor,
        },
        salt=SALT,
    )


def handoff_second_factor(*, token: str, host: str) -> str:
    """The second factor the sign-in being carried had given ("" if none)."""
    payload = _payload(token, host)
    method = payload.get("f", "") if payload is not None else ""
    return method if isinstance(method, str) else ""


def _payload(token: str, host: str) -> dict[str, Any] | None:
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    return payload if isinstance(payload, dict) and payload.get("h") == host else None


def _user(payload: dict[str, Any]) -> User | None:
    user_id = payload.get("u")
    if not isinstance(user_id, int):
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.get_session_auth_hash() != payload.get("a"):
        return None
    return user


def handoff_peek(*, token: str, host: str) -> User | None:
    """Whom the token would sign in, without using it: the target asks before it does."""
    payload = _payload(token, host)
    return _user(payload) if payload is not None else None


def handoff_consume(*, token: str, host: str) -> User | None:
    """The user the token was issued for, if it is fresh, for this host, and unused."""
    payload = _payload(token, host)
    if payload is None:
        return None
    # Single use: the nonce is remembered in the shared (public) cache space for two minutes.
    with schema_context("public"):
        if not cache.add(f"handoff:{payload['n']}", 1, timeout=2 * MAX_AGE_SECONDS):
            return None
    return _user(payload)
