"""What a request answers while the database is unreachable: 503 and "try again", never a 500.

A restarted or failed-over PostgreSQL breaks the connections the processes hold. Django then
raises OperationalError (or InterfaceError on a connection already closed) wherever the request
is, a middleware included; the 500 handler is the one place every such error reaches, so it asks
here first. The process recovers by itself: the broken connections are closed here, so the next
request opens new ones (CONN_HEALTH_CHECKS does the same at the start of a request, but only for
a connection that was reused; here nothing depends on the server calling it), and
django-tenants sets the search_path again on a new connection.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse

from parcours.hardening import api_error, is_api, page_error

RETRY_AFTER_SECONDS = 5
MESSAGE = (
    "Le service est momentanément indisponible (base de données injoignable). "
    "Rien n'a été enregistré : réessayez dans quelques instants."
)


def database_unavailable_response(request: HttpRequest) -> HttpResponse | None:
    """The 503 answer when the error being handled is the database's being unreachable."""
    error = sys.exc_info()[1]
    if not isinstance(error, OperationalError | InterfaceError):
        return None
    response = api_error(503, MESSAGE) if is_api(request) else page_error(request, 503, MESSAGE)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    _close_broken_connections()
    return response


def _close_broken_connections() -> None:
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.is_usable():
            connection.close()
