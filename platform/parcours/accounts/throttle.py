"""Slowing password guessing down, per account, on every host and on the API.

After `LOGIN_FAILURE_LIMIT` failures for one identifier within `LOGIN_FAILURE_WINDOW` seconds
(counted from the first), sign-in with that identifier is refused until the window ends,
without even checking the password; the first refusal of a window is audited. The counter is keyed by a digest of the typed identifier,
whether an account has it or not, so the refusal says nothing about which accounts exist.
Per account and not per address: behind a préfecture's proxy every agent shares one address,
and a per-address limit would lock a whole service out (the API's per-address throttle stays).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import caches


def identifier_digest(identifier: str) -> str:
    # The typed identifier may be a mistyped password: keep a digest, never the text.
    return hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:16]


def _key(identifier: str) -> str:
    return f"login-failures:{identifier_digest(identifier)}"


def login_attempt_count(*, identifier: str) -> int:
    """Count an attempt before the password is checked, and return its rank in the window.

    Counting first means parallel requests each get their own rank: no burst of simultaneous
    guesses slips past the limit while the (slow, Argon2) check of the others runs. A success
    forgets the count, so only failures add up.
    """
    cache = caches["global"]
    key = _key(identifier)
    cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)
        return 1


def login_attempt_allowed(*, rank: int) -> bool:
    return rank <= settings.LOGIN_FAILURE_LIMIT


def first_refusal(*, rank: int) -> bool:
    """True for the first refused attempt of a window, and only for it (ranks are unique):
    refusals cost no hashing, so auditing each would let anyone flood the national trail."""
    return rank == settings.LOGIN_FAILURE_LIMIT + 1


def login_failures_forget(*, identifier: str) -> None:
    caches["global"].delete(_key(identifier))
