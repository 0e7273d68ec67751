"""Pages, split by host: the national console and a département's space share the auth pages."""

from __future__ import annotations

from django.urls import path

from frontend.views import auth, health, national, tenant

app_name = "frontend"

common = [
    path("connexion/", auth.login_view, name="login"),
    path("deconnexion/", auth.logout_view, name="logout"),
    path("espaces/", auth.spaces_view, name="spaces"),
    path("espaces/aller/<str:code>/", auth.go_view, name="go"),
    path("espaces/entrer/", auth.enter_view, name="enter"),
    path("healthz", health.healthz, name="healthz"),
]

public_patterns = [
    *common,
    path("", national.home, name="home"),
    path("departements/<str:code>/provisionner/", national.provision, name="provision"),
    path("referentiel/", national.referentiel, name="referentiel"),
    path(
        "referentiel/nomenclatures/<int:pk>/",
        national.nomenclature_item_edit,
        name="nomenclature_item",
    ),
]

tenant_patterns = [
    *common,
    path("", tenant.home, name="home"),
]
