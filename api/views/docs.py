"""The API's interactive documentation (Swagger UI, ReDoc), offline and under the strict CSP.

Their bundles come from the `drf-spectacular-sidecar` package, served as our own static files
(never a CDN), and the pages carry no inline script or style: Swagger UI's start-up script is a
second request to the same view (drf-spectacular's split view).
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView


class SwaggerDocs(SpectacularSwaggerSplitView):
    template_name = "api/docs/swagger_ui.html"


class RedocDocs(SpectacularRedocView):
    template_name = "api/docs/redoc.html"
