from __future__ import annotations

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp
from django.db import transaction
from django.urls import path
from drf_spectacular.views import SpectacularSwaggerView

from api.views import accounts, associations, referentiel

DOCS_CSP = {
    "default-src": [SELF],
    "script-src": [SELF, UNSAFE_INLINE, "https://cdn.jsdelivr.net"],
    "style-src": [SELF, UNSAFE_INLINE, "https://cdn.jsdelivr.net"],
    "img-src": [SELF, "data:", "https://cdn.jsdelivr.net"],
    "object-src": [NONE],
    "frame-ancestors": [NONE],
}

common = [
    # Swagger UI is an inline script loading its bundle: its own, looser policy.
    path(
        "docs/",
        csp(DOCS_CSP)(SpectacularSwaggerView.as_view(url_name="api:schema")),
        name="docs",
    ),
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
