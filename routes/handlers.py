"""The error handlers of both URL confs: an API path answers in the API's error format, any
other path with a page. They live here because only the composition root knows both layers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from api.errors import not_found_body
from frontend.views import auth
from parcours.operations.faults import database_unavailable_response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(not_found_body(), status=404)
    return auth.not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # The database unreachable (restarted, failing over) is a 503 to retry, not a bug.
    unavailable = database_unavailable_response(request)
    if unavailable is not None:
        return unavailable
    return auth.server_error(request)
