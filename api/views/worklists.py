"""Each role's work queue on a département's host: what the person has to do today."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import request_access, tenant_roles
from api.serializers_worklists import WorklistSerializer
from parcours.accounts.models import Role
from parcours.accounts.permissions import ALL_TENANT_ROLES
from tenants.worklists import selectors


class WorklistView(APIView):
    permission_classes = [tenant_roles(ALL_TENANT_ROLES)]

    @extend_schema(
        responses=WorklistSerializer,
        summary="My work queues here (one section per role; an association's spans its départements)",
    )
    def get(self, request: Request) -> Response:
        access = request_access(request)
        queues = selectors.worklists_of(access=access, today=timezone.localdate())
        body = {
            "coordination": queues.coordination,
            "prefet": queues.prefet,
            "member": queues.member,
            "association": queues.worker,
            "audit_trail": reverse("frontend:privacy_trail") if Role.DPO in access.roles else None,
        }
        return Response(WorklistSerializer(body).data)
