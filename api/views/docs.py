"""The API's interactive documentation (Swagger UI, ReDoc), offline and under the strict CSP.

Their bundles come from the `drf-spectacular-sidecar` package, served as our own static files
(never a CDN), and the pages carry no inline script or style: Swagger UI's start-up script is a
second request to the same view (drf-spectacular's split view). ReDoc's script writes its styles
into style elements (styled-components): the page gives it this answer's CSP nonce, the one
addition to the platform's policy with its search worker (`worker-src blob:`).
"""

from __future__ import annotations

from csp.constants import NONCE
from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView


class SwaggerDocs(SpectacularSwaggerSplitView):
    template_name = "api/docs/swagger_ui.html"


# ReDoc's search runs in a worker its bundle creates from a blob: allowed for workers only.
@method_decorator(csp_update({"style-src": [NONCE], "worker-src": ["blob:"]}), name="dispatch")
class RedocDocs(SpectacularRedocView):
    template_name = "api/docs/redoc.html"
