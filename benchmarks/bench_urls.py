"""ROOT_URLCONF of the routing benchmark: two trivial views, one SQL statement each; and the
middleware of its second baseline."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from parcours.audit.models import AuditEvent


def count_view(request: HttpRequest) -> HttpResponse:
    """The measured view: one query on a table that exists in every département's schema."""
    return HttpResponse(str(AuditEvent.objects.count()), content_type="text/plain")


def schema_view(request: HttpRequest) -> HttpResponse:
    """Where the query really ran: used once per configuration to check the routing."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        row = cursor.fetchone()
    return HttpResponse(str(row[0]) if row else "", content_type="text/plain")


def user_view(request: HttpRequest) -> HttpResponse:
    """Under which PostgreSQL role the query ran (the département's with the routing middleware)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        row = cursor.fetchone()
    return HttpResponse(str(row[0]) if row else "", content_type="text/plain")


class HostValidationMiddleware:
    """Only `request.get_host()`: the ALLOWED_HOSTS check every real stack does anyway."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.get_host()
        return self.get_response(request)


urlpatterns = [
    path("count/", count_view),
    path("schema/", schema_view),
    path("user/", user_view),
]
