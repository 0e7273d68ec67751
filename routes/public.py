"""URLs of the national console (base host)."""

from django.urls import include, path

from frontend.urls import public_patterns
from frontend.views import proconnect

# ProConnect (State agents' sign-in): the provider knows the national host's addresses only.
proconnect_patterns = [
    path("connexion/", proconnect.start, name="start"),
    path("retour/", proconnect.callback, name="callback"),
    path("deconnecte/", proconnect.signed_out, name="signed_out"),
]

urlpatterns = [
    path("api/v1/", include(("api.urls_public", "api"))),
    path("proconnect/", include((proconnect_patterns, "proconnect"))),
    path("", include((public_patterns, "frontend"))),
]

handler400 = "frontend.views.auth.bad_request"
handler403 = "frontend.views.auth.permission_denied"
handler404 = "routes.handlers.not_found"
handler500 = "routes.handlers.server_error"
