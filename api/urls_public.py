"""API on the national host."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from api.urls_common import common
from api.views import accounts, national, national_oversight, national_privacy, national_statistics

urlpatterns = [
    # Each host documents its own routes.
    path("schema/", SpectacularAPIView.as_view(urlconf="routes.public"), name="schema"),
    *common,
    path("accounts/mfa-reset/", accounts.MfaResetView.as_view(), name="mfa-reset"),
    path("departements/", national.DepartementStatusList.as_view(), name="departements"),
    path("departements/provision/", national.ProvisionView.as_view(), name="provision"),
    path(
        "statistics/releases/",
        national_statistics.ReleaseList.as_view(),
        name="statistics-releases",
    ),
    path(
        "statistics/releases/<int:pk>/",
        national_statistics.ReleaseDetail.as_view(),
        name="statistics-release",
    ),
    path(
        "statistics/releases/<int:pk>/figures/",
        national_statistics.FigureList.as_view(),
        name="statistics-figures",
    ),
    path(
        "statistics/releases/<int:pk>/oversight/",
        national_oversight.ReleaseOversight.as_view(),
        name="statistics-oversight",
    ),
    path(
        "statistics/commissions/",
        national_oversight.CommissionStatusList.as_view(),
        name="statistics-commissions",
    ),
    path(
        "statistics/commissions/refresh/",
        national_oversight.CommissionStatusRefresh.as_view(),
        name="statistics-commissions-refresh",
    ),
    path(
        "statistics/releases/<int:pk>/reports/",
        national_statistics.ReleaseReports.as_view(),
        name="statistics-release-reports",
    ),
    path(
        "statistics/reports/<int:pk>/",
        national_statistics.ReportDetail.as_view(),
        name="statistics-report",
    ),
    path(
        "statistics/reports/<int:pk>/pdf/",
        national_statistics.ReportPdf.as_view(),
        name="statistics-report-pdf",
    ),
    path(
        "statistics/releases/<int:pk>/dp-figures/",
        national_privacy.DpFigureList.as_view(),
        name="statistics-dp-figures",
    ),
    path(
        "statistics/privacy-budgets/",
        national_privacy.PrivacyBudgetList.as_view(),
        name="statistics-privacy-budgets",
    ),
    path(
        "statistics/privacy-budgets/<int:year>/",
        national_privacy.PrivacyBudgetDetail.as_view(),
        name="statistics-privacy-budget",
    ),
]
