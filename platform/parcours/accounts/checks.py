"""`manage.py check --deploy`: what a production deployment of accounts needs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def shared_cache_for_sign_in_throttle(**kwargs: Any) -> list[checks.CheckMessage]:
    """Counted in local memory, sign-in failures are per process: the limit is multiplied."""
    if getattr(settings, "CACHE_URL", ""):
        return []
    return [
        checks.Warning(
            "CACHE_URL is not set: sign-in failures are counted per process, so each web "
            "process allows its own LOGIN_FAILURE_LIMIT.",
            hint="Point CACHE_URL at the Redis every web process shares.",
            id="parcours.W001",
        )
    ]
