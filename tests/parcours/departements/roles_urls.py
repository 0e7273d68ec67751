"""URL conf of the role tests: one view that runs whatever SQL it is given, as a bug would."""

from __future__ import annotations

from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path


def raw_sql(request: HttpRequest) -> HttpResponse:
    """Runs `?sql=` on the request's connection; says who ran it and what PostgreSQL answered."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_schema()")
        user, schema = cursor.fetchone()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(request.GET["sql"])
            rows = cursor.fetchall()
    except DatabaseError as exc:
        cause = exc.__cause__
        return JsonResponse(
            {
                "user": user,
                "schema": schema,
                "error": getattr(cause, "pgcode", ""),
                "message": str(exc),
            }
        )
    return JsonResponse({"user": user, "schema": schema, "rows": [list(r) for r in rows]})


urlpatterns = [path("raw-sql/", raw_sql)]
