"""ROOT_URLCONF of the routing benchmark: two trivial views, one SQL statement each."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from tenants.audit.models import AuditEvent


def count_view(request: HttpRequest) -> HttpResponse:
    """The measured view: one query on a table that exists in every département's schema."""
    return HttpResponse(str(AuditEvent.objects.count()), content_type="text/plain")


def schema_view(request: HttpRequest) -> HttpResponse:
    """Where the query really ran: used once per configuration to check the routing."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        row = cursor.fetchone()
    return HttpResponse(str(row[0]) if row else "", content_type="text/plain")


urlpatterns = [
    path("count/", count_view),
    path("schema/", schema_view),
]
