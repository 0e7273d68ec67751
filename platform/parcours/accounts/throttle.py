"""Slowing password guessing down, per account, on every host and on the API.

After `LOGIN_FAILURE_LIMIT` failures for one identifier within `LOGIN_FAILURE_WINDOW` seconds
(counted from the first), sign-in with that identifier is refused until the window ends,
without even checking the password. The counter is keyed by a digest of the typed identifier,
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


def login_throttled(*, identifier: str) -> bool:
    failures = caches["global"].get(_key(identifier)) or 0
    return int(failures) >= settings.LOGIN_FAILURE_LIMIT


def login_failure_count(*, identifier: str) -> int:
    """Count one failure; the window starts at the first one."""
    cache = caches["global"]
    key = _key(identifier)
    cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)
        return 1


def login_failures_forget(*, identifier: str) -> None:
    caches["global"].delete(_key(identifier))
