"""National reference data: readable by every signed-in person on any host, edited nationally."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import SignedIn, national_roles, read_write, request_access
from api.serializers import (
    DepartementReferenceSerializer,
    LegalParameterCreateSerializer,
    LegalParameterSerializer,
    LegalParameterValueSerializer,
    NomenclatureItemSerializer,
    RegionSerializer,
)
from parcours.accounts.permissions import NATIONAL_OPERATOR_ONLY
from parcours.referentiel.models import (
    Departement,
    LegalParameter,
    NomenclatureItem,
    NomenclatureKind,
    Region,
)
from parcours.referentiel.selectors import MissingLegalParameter, legal_parameter_value
from parcours.referentiel.services import legal_parameter_add


class RegionList(generics.ListAPIView):
    permission_classes = [SignedIn]
    serializer_class = RegionSerializer
    queryset = Region.objects.order_by("code")


class DepartementReferenceList(generics.ListAPIView):
    permission_classes = [SignedIn]
    serializer_class = DepartementReferenceSerializer
    queryset = Departement.objects.select_related("region").order_by("sort_key")


@extend_schema(
    parameters=[
        OpenApiParameter("kind", enum=[k.value for k in NomenclatureKind], required=False),
        OpenApiParameter("active", bool, required=False),
    ]
)
class NomenclatureList(generics.ListAPIView):
    permission_classes = [SignedIn]
    serializer_class = NomenclatureItemSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        items = NomenclatureItem.objects.order_by("kind", "position", "label")
        kind = self.request.query_params.get("kind")
        if kind:
            if kind not in NomenclatureKind.values:
                raise ValidationError({"kind": [f"Nomenclature inconnue : {kind}."]})
            items = items.filter(kind=kind)
        if self.request.query_params.get("active") in {"true", "1"}:
            items = items.filter(is_active=True)
        return items


class LegalParameterList(generics.ListCreateAPIView):
    """GET: every dated value. POST (national operator, national host): a new dated value."""

    serializer_class = LegalParameterSerializer

    permission_classes = [read_write(read=SignedIn, write=national_roles(NATIONAL_OPERATOR_ONLY))]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        rows = LegalParameter.objects.order_by("key", "territory", "effective_from")
        key = self.request.query_params.get("key")
        return rows.filter(key=key) if key else rows

    @extend_schema(
        request=LegalParameterCreateSerializer, responses={201: LegalParameterSerializer}
    )
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = LegalParameterCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parameter = legal_parameter_add(
            key=data["key"],
            territory=data["territory"].strip().upper(),
            value=data["value"],
            effective_from=data["effective_from"],
            source=data["source"],
            confidence=data["confidence"],
            actor_id=request_access(request).user_id,
        )
        return Response(LegalParameterSerializer(parameter).data, status=status.HTTP_201_CREATED)


class LegalParameterValue(APIView):
    permission_classes = [SignedIn]

    @extend_schema(
        parameters=[
            OpenApiParameter("on", dt.date, required=False, description="Default: today"),
            OpenApiParameter("territory", str, required=False),
        ],
        responses={200: LegalParameterValueSerializer},
        summary="The value of a legal parameter in force on a date",
    )
    def get(self, request: Request, key: str) -> Response:
        raw_on = request.query_params.get("on")
        try:
            on = dt.date.fromisoformat(raw_on) if raw_on else timezone.localdate()
        except ValueError as exc:
            raise ValidationError({"on": ["Date attendue au format AAAA-MM-JJ."]}) from exc
        territory = request.query_params.get("territory", "").upper()
        try:
            value = legal_parameter_value(key=key, on=on, territory=territory)
        except MissingLegalParameter as exc:
            from rest_framework.exceptions import NotFound

            raise NotFound(str(exc)) from exc
        return Response(
            {"key": key, "on": on.isoformat(), "territory": territory, "value": str(value)}
        )
