from __future__ import annotations

from django.urls import include, path

from tests.oidc_provider import views

urlpatterns = [
    path("login/", views.login_view),
    path("userinfo/", views.userinfo_jwt),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
