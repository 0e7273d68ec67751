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
        today = timezone.localdate()
        roles = access.roles
        body = {
            "coordination": selectors.coordination_worklist(access=access, today=today)
            if Role.COORDINATOR in roles
            else None,
            "prefet": selectors.prefet_worklist(access=access, today=today)
            if Role.PREFET in roles
            else None,
            "member": selectors.member_worklist(access=access, today=today)
            if Role.MEMBER in roles
            else None,
            "association": selectors.worker_worklist(access=access, today=today)
            if Role.ASSOCIATION_WORKER in roles
            else None,
            "audit_trail": reverse("frontend:privacy_trail") if Role.DPO in roles else None,
        }
        return Response(WorklistSerializer(body).data)
