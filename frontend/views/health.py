from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from frontend.decorators import open_page
from parcours.health import health_report


@open_page
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
