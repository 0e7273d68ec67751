"""National statistics API (national host): published releases and their figures only."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import Refused
from api.permissions import national_roles, read_write, request_access
from parcours.accounts.permissions import ALL_NATIONAL_ROLES, NATIONAL_OPERATOR_ONLY
from parcours.reporting import indicators
from parcours.reporting.annual_report import (
    ReleaseNotFound,
    ReportNotReady,
    national_report,
    national_report_download,
    national_report_request,
    national_reports,
)
from parcours.reporting.models import Level, NationalReport, PublishedFigure, Release
from parcours.reporting.selectors import (
    published_figures,
    published_release,
    published_releases,
)
from parcours.reporting.services import ReportingError


class ReleaseSerializer(serializers.ModelSerializer[Release]):
    class Meta:
        model = Release
        fields = [
            "id",
            "period_kind",
            "period_start",
            "period_end",
            "snapshot_on",
            "published_at",
            "rules",
            "departements_included",
            "departements_missing",
        ]


class FigureSerializer(serializers.ModelSerializer[PublishedFigure]):
    indicator_label = serializers.SerializerMethodField()

    class Meta:
        model = PublishedFigure
        fields = [
            "level",
            "code",
            "indicator",
            "indicator_label",
            "dimension",
            "category",
            "disclosure",
            "shown",
            "value",
            "band_low",
            "band_high",
        ]

    def get_indicator_label(self, obj: PublishedFigure) -> str:
        indicator = indicators.BY_CODE.get(obj.indicator)
        return indicator.label if indicator else ""


class ReleaseList(generics.ListAPIView[Release]):
    """Published releases, newest period first."""

    permission_classes = [national_roles(ALL_NATIONAL_ROLES)]
    serializer_class = ReleaseSerializer

    def get_queryset(self) -> QuerySet[Release]:
        return published_releases()


class ReleaseDetail(generics.RetrieveAPIView[Release]):
    permission_classes = [national_roles(ALL_NATIONAL_ROLES)]
    serializer_class = ReleaseSerializer

    def get_object(self) -> Release:
        release = published_release(release_id=self.kwargs["pk"])
        if release is None:
            raise NotFound("Aucune publication de statistiques ne porte ce numéro.")
        return release


@extend_schema(
    parameters=[
        OpenApiParameter("indicator", enum=list(indicators.BY_CODE), required=False),
        OpenApiParameter("level", enum=Level.values, required=False),
        OpenApiParameter(
            "dimension",
            str,
            required=False,
            description="empty for the management figures, or a breakdown's dimension",
        ),
    ]
)
class FigureList(generics.ListAPIView[PublishedFigure]):
    """The figures of a published release as the public sees them ("12", "1–5", "s").

    A published release never changes (a new computation of its period is another release):
    each page of its figures is serialised once and kept, keyed by the release and the full
    address asked (parameters, page, and the host the links point to). They are the published
    figures, after disclosure control: no personal data is cached.
    """

    permission_classes = [national_roles(ALL_NATIONAL_ROLES)]
    serializer_class = FigureSerializer
    CACHED_SECONDS = 24 * 3600

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.release = published_release(release_id=self.kwargs["pk"])
        if self.release is None:
            raise NotFound("Aucune publication de statistiques ne porte ce numéro.")
        key = (
            "national-figures:"
            + hashlib.sha256(
                f"{self.release.pk}|{self.release.published_at}|{request.build_absolute_uri()}".encode()
            ).hexdigest()
        )
        data = cache.get(key)
        if data is None:
            data = super().list(request, *args, **kwargs).data
            cache.set(key, data, self.CACHED_SECONDS)
        return Response(data)

    def get_queryset(self) -> QuerySet[PublishedFigure]:
        release = getattr(self, "release", None)
        if release is None:  # the schema generator asks without a request's release
            return PublishedFigure.objects.none()
        params: Any = self.request.query_params
        indicator = params.get("indicator") or None
        if indicator is not None and indicator not in indicators.BY_CODE:
            raise ValidationError({"indicator": [f"Indicateur inconnu : {indicator}."]})
        level = params.get("level") or None
        if level is not None and level not in Level.values:
            raise ValidationError({"level": [f"Niveau inconnu : {level}."]})
        dimension = params.get("dimension")
        if dimension and dimension not in {*indicators.DIMENSIONS, *indicators.DETAILS}:
            raise ValidationError({"dimension": [f"Ventilation inconnue : {dimension}."]})
        return published_figures(
            release=release, indicator=indicator, level=level, dimension=dimension
        )


class NationalReportSerializer(serializers.ModelSerializer[NationalReport]):
    period = serializers.CharField(source="release.period_label", read_only=True)
    outdated = serializers.BooleanField(
        read_only=True, help_text="drawn from a publication of the year replaced since"
    )
    download = serializers.SerializerMethodField(help_text="the PDF, once ready")

    class Meta:
        model = NationalReport
        fields = [
            "id",
            "release",
            "period",
            "version",
            "status",
            "requested_at",
            "generated_at",
            "release_published_at",
            "outdated",
            "size",
            "sha256",
            "error",
            "download",
        ]

    def get_download(self, obj: NationalReport) -> str | None:
        if obj.status != "ready":
            return None
        return reverse("api:statistics-report-pdf", kwargs={"pk": obj.pk})


class ReleaseReports(generics.ListAPIView[NationalReport]):
    """The national annual reports of a published release (GET), or a new one (POST)."""

    permission_classes = [
        read_write(
            read=national_roles(ALL_NATIONAL_ROLES), write=national_roles(NATIONAL_OPERATOR_ONLY)
        )
    ]
    serializer_class = NationalReportSerializer

    def get_queryset(self) -> QuerySet[NationalReport]:
        if published_release(release_id=self.kwargs["pk"]) is None:
            raise NotFound("Aucune publication de statistiques ne porte ce numéro.")
        return national_reports(release_id=self.kwargs["pk"])

    @extend_schema(
        request=None,
        responses={202: NationalReportSerializer},
        summary="Build the national annual report (PDF) of a published year, in the background",
        description=(
            "National operator. Refused (400, `refused`) unless the release is a published year. "
            "While a version is being built, asking again queues that version again instead of "
            "adding one; once it is ready, asking again builds the next version."
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        try:
            report = national_report_request(
                release_id=pk, actor_id=request_access(request).user_id
            )
        except ReleaseNotFound as exc:
            raise NotFound(str(exc)) from exc
        except ReportingError as exc:
            refused = Refused(str(exc))
            refused.fields = {"non_field_errors": [str(exc)]}  # type: ignore[attr-defined]
            raise refused from exc
        return Response(NationalReportSerializer(report).data, status=status.HTTP_202_ACCEPTED)


class ReportDetail(generics.RetrieveAPIView[NationalReport]):
    """A national annual report and its state (pending, ready, failed)."""

    permission_classes = [national_roles(ALL_NATIONAL_ROLES)]
    serializer_class = NationalReportSerializer

    def get_object(self) -> NationalReport:
        report = national_report(report_id=self.kwargs["pk"])
        if report is None:
            raise NotFound("Aucun rapport ne porte ce numéro.")
        return report


class ReportPdf(APIView):
    """The PDF of a national annual report once ready; every download is audited."""

    permission_classes = [national_roles(ALL_NATIONAL_ROLES)]

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        summary="Download a national annual report (PDF)",
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        try:
            report = national_report_download(
                report_id=pk, actor_id=request_access(request).user_id
            )
        except ReportNotReady as exc:
            raise NotFound(str(exc)) from exc
        response = HttpResponse(bytes(report.pdf or b""), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
        return response
