"""Slowing password guessing down without handing strangers a way to lock an agent out.

Two counters per typed identifier, in the cache every host shares:
- per identifier *and* address: after `LOGIN_FAILURE_LIMIT` failures within
  `LOGIN_FAILURE_WINDOW` seconds (counted from the first) that address may not try that
  identifier until the window ends. A stranger who knows an agent's e-mail locks only themself
  out: the agent, from their own address, is not affected;
- per identifier alone, with the higher `LOGIN_ACCOUNT_FAILURE_LIMIT`: guessing spread over
  many addresses is still bounded. Only attempts an address was allowed count here, so one
  address cannot fill it. When this limit refuses a sign-in, the account (if there is one)
  receives by e-mail a single-use link (accounts/services.py `login_unlock_*`) that lets the
  browser which opens it past the account-wide limit for the rest of the window.

Both refuse without checking the password, and the first refusal of each window is audited.
Counters are keyed by a digest of the typed identifier, whether an account has it or not, and
the answer is the same for both: the refusal says nothing about which accounts exist. Per
address alone would not do: behind a préfecture's proxy every agent shares one address (the
API's per-address throttle stays for that).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

UNLOCK_SESSION_KEY = "parcours_login_unlocked"


def identifier_digest(identifier: str) -> str:
    # The typed identifier may be a mistyped password: keep a digest, never the text.
    return hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:16]


def client_address(request: HttpRequest) -> str:
    """The address the request came from, as the API's throttles see it (a client cannot
    forge it: X-Forwarded-For counts only behind `TRUSTED_PROXY_COUNT` proxies)."""
    proxies = int(str(settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return str(request.META.get("REMOTE_ADDR", ""))


def _pair_key(identifier: str, address: str) -> str:
    where = hashlib.sha256(address.encode()).hexdigest()[:16]
    return f"login-failures:{identifier_digest(identifier)}:{where}"


def _account_key(identifier: str) -> str:
    return f"login-failures:{identifier_digest(identifier)}"


class CounterUnavailable(Exception):
    """The shared cache that counts failures does not answer: sign-in fails closed."""


def _count(key: str) -> int:
    cache = caches["global"]
    try:
        cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW)
        try:
            return int(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)
            return 1
    except ValueError:
        raise
    except Exception as exc:
        # Without the counter nothing slows guessing down: refuse rather than check the
        # password unthrottled (whatever the cache client raises: redis, socket, timeout).
        raise CounterUnavailable from exc


@dataclass(frozen=True)
class Attempt:
    """The ranks of one sign-in attempt in its window (0: not counted there)."""

    pair: int
    account: int = 0
    unlocked: bool = False

    @property
    def refused_here(self) -> bool:
        return self.pair > settings.LOGIN_FAILURE_LIMIT

    @property
    def refused_account_wide(self) -> bool:
        return (
            not self.refused_here
            and not self.unlocked
            and self.account > settings.LOGIN_ACCOUNT_FAILURE_LIMIT
        )

    @property
    def allowed(self) -> bool:
        return not (self.refused_here or self.refused_account_wide)

    @property
    def first_refusal(self) -> bool:
        """True for the first refused attempt of a window at either level, and only for it
        (ranks are unique): refusals cost no hashing, so auditing each would let anyone flood
        the national trail."""
        if self.refused_here:
            return self.pair == settings.LOGIN_FAILURE_LIMIT + 1
        return self.refused_account_wide and (
            self.account == settings.LOGIN_ACCOUNT_FAILURE_LIMIT + 1
        )


def login_attempt_count(*, identifier: str, address: str, unlocked: bool = False) -> Attempt:
    """Count an attempt before the password is checked, and return its ranks in the window.

    Counting first means parallel requests each get their own rank: no burst of simultaneous
    guesses slips past the limit while the (slow, Argon2) check of the others runs. A success
    forgets the counts, so only failures add up.
    """
    pair = _count(_pair_key(identifier, address))
    if pair > settings.LOGIN_FAILURE_LIMIT:
        return Attempt(pair=pair, unlocked=unlocked)
    return Attempt(pair=pair, account=_count(_account_key(identifier)), unlocked=unlocked)


def login_failures_forget(*, identifier: str, address: str) -> None:
    caches["global"].delete_many([_pair_key(identifier, address), _account_key(identifier)])


def login_unlocked(request: HttpRequest, *, identifier: str) -> bool:
    """Whether this browser opened the unlock link of this identifier (see the module)."""
    session = getattr(request, "session", None)
    if session is None:
        return False
    return bool(session.get(UNLOCK_SESSION_KEY) == identifier_digest(identifier))
