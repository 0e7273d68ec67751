"""URLs of a département's space (`<code>.<base>`)."""

from django.urls import include, path

from frontend.urls import tenant_patterns

urlpatterns = [
    path("api/v1/", include(("api.urls_tenant", "api"))),
    path("", include((tenant_patterns, "frontend"))),
]

handler400 = "frontend.views.auth.bad_request"
handler403 = "frontend.views.auth.permission_denied"
handler404 = "routes.handlers.not_found"
handler500 = "routes.handlers.server_error"
