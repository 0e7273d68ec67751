"""A session belongs to the host it was opened on.

Sessions are per host (see accounts.handoff); until now only the browser's cookie scope kept a
session of `31.<base>` from being used on `13.<base>`. A cookie copied to another host (by a
script, a proxy log, a shared machine) would open that host as the same person without any
handoff. The server now remembers the host in the session and treats the session as absent
anywhere else (and ends it: whoever presents it elsewhere does not hold it legitimately).
Deployments that share one cookie across sub-domains (SESSION_COOKIE_DOMAIN) opted out of
per-host sessions, and are left alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HOST_KEY = "_parcours_host"


def _host(request: HttpRequest) -> str:
    return request.get_host().rsplit(":", 1)[0].lower()


class SessionHostMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_DOMAIN:
            return self.get_response(request)
        session = request.session
        if session.session_key is not None:
            bound = session.get(HOST_KEY)
            if bound is not None and bound != _host(request):
                session.flush()
        return self.get_response(request)


def session_bind_host(request: HttpRequest) -> None:
    """Called where a session is opened (the sign-in form, the handoff's arrival)."""
    request.session[HOST_KEY] = _host(request)
