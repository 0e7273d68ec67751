from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from frontend.decorators import open_page
from parcours.health import health_report, readiness_report


@open_page
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@open_page
def livez(request: HttpRequest) -> JsonResponse:
    """The process answers: Kubernetes' liveness, which must not depend on the database (an
    outage of PostgreSQL would otherwise restart every web pod instead of waiting for it)."""
    return JsonResponse({"status": "ok"})


@open_page
def readyz(request: HttpRequest) -> JsonResponse:
    report = readiness_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
