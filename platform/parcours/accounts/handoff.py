"""Carrying a sign-in from one host to another (national console ↔ départements).

Browsers do not share cookies between `31.localhost` and `75.localhost` (`localhost` has no
registrable domain), and sessions per host are a sound default anyway. Moving to another space
goes through a signed, single-use token valid for one minute and for one target host only;
the target host opens its own session. A changed password invalidates pending tokens.
"""

from __future__ import annotations

import secrets

from django.core import signing
from django.core.cache import cache
from django_tenants.utils import schema_context

from parcours.accounts.models import User

SALT = "parcours.accounts.handoff"
MAX_AGE_SECONDS = 60


def handoff_token(*, user: User, target_host: str) -> str:
    return signing.dumps(
        {
            "u": user.pk,
            "h": target_host,
            "n": secrets.token_urlsafe(12),
            "a": user.get_session_auth_hash(),
        },
        salt=SALT,
    )


def handoff_consume(*, token: str, host: str) -> User | None:
    """The user the token was issued for, if it is fresh, for this host, and unused."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if payload.get("h") != host:
        return None
    # Single use: the nonce is remembered in the shared (public) cache space for two minutes.
    with schema_context("public"):
        if not cache.add(f"handoff:{payload['n']}", 1, timeout=2 * MAX_AGE_SECONDS):
            return None
    user = User.objects.filter(pk=payload.get("u"), is_active=True).first()
    if user is None or user.get_session_auth_hash() != payload.get("a"):
        return None
    return user
