"""API on the national host."""

from django.urls import path

from api.urls_common import common
from api.views import national

urlpatterns = [
    *common,
    path("departements/", national.DepartementStatusList.as_view(), name="departements"),
    path("departements/provision/", national.ProvisionView.as_view(), name="provision"),
]
