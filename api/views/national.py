from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import national_roles, request_access
from api.serializers import (
    DepartementStatusSerializer,
    ProvisionAcceptedSerializer,
    ProvisionRequestSerializer,
)
from parcours.accounts.permissions import ALL_NATIONAL_ROLES, NATIONAL_OPERATOR_ONLY
from parcours.departements.provisioning import ProvisioningError
from parcours.departements.selectors import departement_statuses
from parcours.departements.services import departement_provision_request


class DepartementStatusList(APIView):
    permission_classes = [national_roles(ALL_NATIONAL_ROLES)]

    @extend_schema(
        responses=DepartementStatusSerializer(many=True),
        summary="The 101 départements and their status on the platform (national host)",
    )
    def get(self, request: Request) -> Response:
        return Response(DepartementStatusSerializer(departement_statuses(), many=True).data)


class ProvisionView(APIView):
    permission_classes = [national_roles(NATIONAL_OPERATOR_ONLY)]

    @extend_schema(
        request=ProvisionRequestSerializer,
        responses={202: ProvisionAcceptedSerializer},
        summary="Queue the provisioning of départements (idempotent)",
        examples=[OpenApiExample("Two départements", value={"codes": ["2A", "971"]})],
    )
    def post(self, request: Request) -> Response:
        serializer = ProvisionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = request_access(request)
        try:
            queued = departement_provision_request(
                codes=serializer.validated_data["codes"], actor_id=access.user_id
            )
        except ProvisioningError as exc:
            raise ValidationError({"codes": [str(exc)]}) from exc
        return Response({"queued": queued}, status=status.HTTP_202_ACCEPTED)
