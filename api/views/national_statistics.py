"""National statistics API (national host): published releases and their figures only."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError

from api.permissions import national_roles
from parcours.accounts.permissions import ALL_NATIONAL_ROLES
from parcours.reporting import indicators
from parcours.reporting.models import Level, PublishedFigure, Release
from parcours.reporting.selectors import published_figures, published_release, published_releases


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
    """The figures of a published release as the public sees them ("12", "1–5", "s")."""

    permission_classes = [national_roles(ALL_NATIONAL_ROLES)]
    serializer_class = FigureSerializer

    def get_queryset(self) -> QuerySet[PublishedFigure]:
        release = published_release(release_id=self.kwargs["pk"])
        if release is None:
            raise NotFound("Aucune publication de statistiques ne porte ce numéro.")
        params: Any = self.request.query_params
        indicator = params.get("indicator") or None
        if indicator is not None and indicator not in indicators.BY_CODE:
            raise ValidationError({"indicator": [f"Indicateur inconnu : {indicator}."]})
        level = params.get("level") or None
        if level is not None and level not in Level.values:
            raise ValidationError({"level": [f"Niveau inconnu : {level}."]})
        dimension = params.get("dimension")
        if dimension is not None and dimension and dimension not in indicators.DIMENSIONS:
            raise ValidationError({"dimension": [f"Ventilation inconnue : {dimension}."]})
        return published_figures(
            release=release, indicator=indicator, level=level, dimension=dimension
        )
