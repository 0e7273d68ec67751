"""API on a département's host."""

from django.urls import path

from api.urls_common import common
from api.views import tenant

urlpatterns = [
    *common,
    path("departement/", tenant.TenantSummaryView.as_view(), name="departement"),
]
