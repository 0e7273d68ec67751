"""Request ids and error reporting that never carries personal data.

Sentry receives the type and the stack of an error, the route and the tenant's schema; never
the request body, cookies, headers, query string, user, local variables, SQL parameters or an
exception's message (messages often embed the value that failed to validate).
"""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Callable
from typing import Any, cast

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
