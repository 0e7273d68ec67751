"""Liveness of the pieces a request or a task needs: the database and the broker."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # a health check reports, it never raises
        return f"error: {type(exc).__name__}"
    return "ok"


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "ok (eager)"
    if not settings.CELERY_BROKER_URL:
        return "error: CELERY_BROKER_URL is not set"
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def health_report() -> dict[str, Any]:
    checks = {"database": _database(), "broker": _broker()}
    ok = all(value.startswith("ok") for value in checks.values())
    return {"status": "ok" if ok else "error", "checks": checks}


def unmigrated_schemas() -> list[str]:
    """The schemas (public first, then each département's) missing a migration of this code."""
    from parcours.db import as_owner
    from parcours.departements.management.commands.migrate_schemas import schemas_behind
    from parcours.departements.models import Tenant

    schemas = [
        "public",
        *Tenant.objects.order_by("schema_name").values_list("schema_name", flat=True),
    ]
    # Each schema's migration table: the national role reads no département's schema, and
    # this probe is the platform's, not a person's request.
    with as_owner():
        return schemas_behind(schema_names=schemas)


def readiness_report() -> dict[str, Any]:
    """Whether this process may receive traffic: its database and broker answer, and every
    schema has the migrations this code expects (a pod of a new release stays out of the
    load balancer until the migrations Job is through; the old pods keep serving)."""
    checks = {"database": _database(), "broker": _broker()}
    unmigrated: list[str] = []
    if checks["database"] == "ok":
        try:
            unmigrated = unmigrated_schemas()
        except Exception as exc:  # reported, never raised
            checks["migrations"] = f"error: {type(exc).__name__}"
        else:
            checks["migrations"] = (
                f"error: {len(unmigrated)} schema(s) behind the code" if unmigrated else "ok"
            )
    ok = all(value.startswith("ok") for value in checks.values()) and "migrations" in checks
    return {"status": "ok" if ok else "error", "checks": checks, "unmigrated": unmigrated}
