"""Request ids, structured logs and error reporting that never carry personal data.

Sentry receives the type and the stack of an error, the route and the tenant's schema; never
the request body, cookies, headers, query string, user, local variables, SQL parameters or an
exception's message (messages often embed the value that failed to validate).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9-]{8,64}$")
_REDACTED = "[redacted]"


def current_request_id() -> str:
    return request_id_var.get()


class RequestIdMiddleware:
    """Gives every request an id, echoed in `X-Request-ID` and written on audit events."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Keep only what helps to locate a bug; drop everything a person could be found in."""
    # The département is tagged here, when an event is sent, not on every request.
    from django.db import connection

    event.setdefault("tags", {})["schema"] = getattr(connection, "schema_name", "") or "public"
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = {
            "method": request.get("method"),
            # The path may hold identifiers but never names: routes use pseudonyms and ids.
            "url": request.get("url"),
        }
    event.pop("user", None)
    event.pop("server_name", None)
    for exception in (event.get("exception") or {}).get("values") or []:
        if exception.get("value"):
            exception["value"] = _REDACTED
        stacktrace = exception.get("stacktrace") or {}
        for frame in stacktrace.get("frames") or []:
            frame.pop("vars", None)
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in (thread.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    if "logentry" in event:
        event["logentry"] = {"message": _REDACTED}
    if "message" in event:
        event["message"] = _REDACTED
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict):
        for crumb in breadcrumbs.get("values") or []:
            crumb.pop("data", None)
            if crumb.get("message"):
                crumb["message"] = _REDACTED
    extra = event.get("extra")
    if isinstance(extra, dict):
        event["extra"] = {}
    contexts = event.get("contexts")
    if isinstance(contexts, dict):
        contexts.pop("response", None)
    return event


def init_sentry(*, dsn: str, environment: str, transport: Any = None) -> None:
    """Start Sentry when a DSN is configured (or a transport is given, in tests)."""
    if not dsn and transport is None:
        return
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn or "https://public@sentry.invalid/1",
        environment=environment,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=cast(Any, scrub_event),
        before_send_transaction=cast(Any, scrub_event),
        transport=transport,
    )


# --- Structured logs ------------------------------------------------------------------------
# One JSON object per line, carrying the request id and the schema. A log call's string
# *arguments* are never written, only its message template ("Task %(name)s succeeded") and its
# numeric arguments: string arguments and exception messages are where values typed by a
# person end up (a name that failed to validate, a query string). Exceptions keep their type and stack (files, lines, functions).
# What a line may carry beyond that is named here, by the code, never by a caller.
SAFE_FIELDS = ("route", "method", "status", "duration_ms", "departement", "task", "outcome")


class ContextFilter(logging.Filter):
    """Stamps each record with the current request id and database schema."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        record.schema = _current_schema()
        return True


def _current_schema() -> str:
    try:
        from django.db import connection

        return str(getattr(connection, "schema_name", "") or "public")
    except Exception:  # before Django is set up (gunicorn's master, a bare script)
        return ""


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": str(record.msg),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
            "schema": getattr(record, "schema", None) or _current_schema(),
        }
        # Numbers only (a pid, a count, a duration): a string argument may be what was typed.
        numbers = [
            arg
            for arg in (record.args if isinstance(record.args, tuple) else ())
            if isinstance(arg, int | float) and not isinstance(arg, bool)
        ]
        if numbers:
            line["args"] = numbers
        for name in SAFE_FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                line[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _, tb = record.exc_info
            line["exception"] = exc_type.__qualname__
            line["stack"] = [
                f"{frame.filename}:{frame.lineno} in {frame.name}"
                for frame in traceback.extract_tb(tb)
            ]
        return json.dumps(line, ensure_ascii=False)


request_log = logging.getLogger("parcours.requests")


class RequestLogMiddleware:
    """One log line and the metrics of each request: route name, département, status, time.

    Never the path (it may carry identifiers) nor the query string: the route's name says
    which page or endpoint answered. Placed right under RequestIdMiddleware, it also sees the
    answers of the guards and of unknown hosts.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        route = (match.view_name if match is not None else "") or (
            # WhiteNoise answers static files before any URL is resolved.
            "static" if request.path.startswith(settings.STATIC_URL or "/static/") else "unresolved"
        )
        from parcours.metrics import departement_label, observe_request

        departement = departement_label(request)
        observe_request(
            route=route,
            departement=departement,
            method=request.method or "",
            status=response.status_code,
            seconds=seconds,
        )
        request_log.info(
            "request",
            extra={
                "route": route,
                "method": request.method,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
                "departement": departement,
            },
        )
        return response
