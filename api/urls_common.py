from __future__ import annotations

from django.db import transaction
from django.urls import path

from api.views import accounts, associations, docs, referentiel

common = [
    # Served from the repository's own files, under the platform's strict policy (api.views.docs).
    path("docs/", docs.SwaggerDocs.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", docs.RedocDocs.as_view(url_name="api:schema"), name="redoc"),
    # Outside the request's transaction: a refused sign-in is answered with an error, and its
    # audit event and failure count must outlive that answer.
    path(
        "auth/token/", transaction.non_atomic_requests(accounts.TokenView.as_view()), name="token"
    ),
    path("me/", accounts.MeView.as_view(), name="me"),
    path("associations/", associations.AssociationList.as_view(), name="associations"),
    path("associations/<int:pk>/", associations.AssociationDetail.as_view(), name="association"),
    path("me/memberships/", accounts.MyMembershipsView.as_view(), name="my-memberships"),
    path("me/tokens/", accounts.MyTokensView.as_view(), name="my-tokens"),
    path("me/tokens/<int:pk>/", accounts.MyTokenRevoke.as_view(), name="my-token"),
    path("referentiel/regions/", referentiel.RegionList.as_view(), name="regions"),
    path(
        "referentiel/departements/",
        referentiel.DepartementReferenceList.as_view(),
        name="departements-reference",
    ),
    path(
        "referentiel/nomenclatures/", referentiel.NomenclatureList.as_view(), name="nomenclatures"
    ),
    path(
        "referentiel/legal-parameters/",
        referentiel.LegalParameterList.as_view(),
        name="legal-parameters",
    ),
    path(
        "referentiel/legal-parameters/<str:key>/value/",
        referentiel.LegalParameterValue.as_view(),
        name="legal-parameter-value",
    ),
]
