"""System checks of the platform's own settings.

- Always (every management command, the WSGI server and the Celery worker at start, see
  `refuse_unsafe_start`): with DEBUG off, SECRET_KEY and PARCOURS_MASTER_KEY must be real
  secrets. The development SECRET_KEY is public (it is in this repository), and without a
  master key the key that wraps every département's identity key would derive from it.
- `manage.py check --deploy`: what a production deployment of accounts needs.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# The key of development and tests; public, hence refused whenever DEBUG is off.
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789"


def _secret_key_problem(value: str) -> str | None:
    if not value:
        return "SECRET_KEY is not set."
    if value == DEV_SECRET_KEY or value.startswith(("dev-", "django-insecure")):
        return "SECRET_KEY is the public development key."
    if len(value) < 50 or len(set(value)) < 5:
        return "SECRET_KEY is too short or too simple (50 characters, 5 different at least)."
    return None


def _master_key_problem(value: str) -> str | None:
    if not value:
        return "PARCOURS_MASTER_KEY is not set: identity keys would derive from SECRET_KEY."
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return "PARCOURS_MASTER_KEY is not base64."
    if len(key) != 32:
        return "PARCOURS_MASTER_KEY must be 32 bytes once base64-decoded."
    if len(set(key)) < 8:
        return "PARCOURS_MASTER_KEY is not random."
    return None


@checks.register(checks.Tags.security)
def secrets_are_real(**kwargs: Any) -> list[checks.CheckMessage]:
    """With DEBUG off, the platform does not run on development or missing secrets."""
    if settings.DEBUG:
        return []
    hint = (
        "Set it from the secret store (python -c 'import secrets, base64; "
        "print(base64.b64encode(secrets.token_bytes(32)).decode())'); `make run` generates "
        "local ones under PARCOURS_DATA_DIR."
    )
    errors: list[checks.CheckMessage] = []
    if problem := _secret_key_problem(settings.SECRET_KEY):
        errors.append(checks.Error(problem, hint=hint, id="parcours.E001"))
    if problem := _master_key_problem(getattr(settings, "PARCOURS_MASTER_KEY", "")):
        errors.append(checks.Error(problem, hint=hint, id="parcours.E002"))
    return errors


def refuse_unsafe_start() -> None:
    """Called by the WSGI entry point and the Celery worker, which run no system check."""
    errors = secrets_are_real()
    if errors:
        raise ImproperlyConfigured(" ".join(str(error.msg) for error in errors))


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


@checks.register(checks.Tags.security, deploy=True)
def hosting_named_in_the_legal_notice(**kwargs: Any) -> list[checks.CheckMessage]:
    """A public service names its host in its legal notice (loi pour la confiance dans
    l'économie numérique, art. 6): a deployed instance must say who hosts it."""
    if getattr(settings, "PARCOURS_HOSTING", ""):
        return []
    return [
        checks.Warning(
            "PARCOURS_HOSTING is not set: the legal notice cannot name this instance's host.",
            hint="Set PARCOURS_HOSTING to the host's name, address and telephone number.",
            id="parcours.W002",
        )
    ]
