"""URLs of the national console (base host)."""

from django.urls import include, path

from frontend.urls import public_patterns

urlpatterns = [
    path("api/v1/", include(("api.urls_public", "api"))),
    path("", include((public_patterns, "frontend"))),
]

handler400 = "frontend.views.auth.bad_request"
handler403 = "frontend.views.auth.permission_denied"
handler404 = "routes.handlers.not_found"
handler500 = "routes.handlers.server_error"
