from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import request_access, tenant_roles
from api.serializers import TenantSummarySerializer
from parcours.accounts.permissions import ALL_TENANT_ROLES
from parcours.accounts.selectors import membership_counts_by_role
from tenants.agrements.selectors import agrements_visible


class TenantSummaryView(APIView):
    permission_classes = [tenant_roles(ALL_TENANT_ROLES)]

    @extend_schema(responses=TenantSummarySerializer, summary="This département and its figures")
    def get(self, request: Request) -> Response:
        access = request_access(request)
        tenant = access.tenant
        return Response(
            {
                "code": tenant.code,
                "name": tenant.name,
                "region": tenant.region.name,
                "your_roles": sorted(role.value for role in access.roles),
                "people_by_role": membership_counts_by_role(tenant=tenant),
                "agrements_in_force": len(
                    agrements_visible(access=access, day=timezone.localdate())
                ),
            }
        )
