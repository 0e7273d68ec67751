"""Retention on a département's host, for the DPO: dry-run reports and their runs (with their
progress), legal holds, and the archived persons' files read with a stated reason."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import request_access, tenant_roles
from api.serializers_retention import (
    ArchivedFileSerializer,
    ArchivedPersonSerializer,
    HoldCreateSerializer,
    HoldSerializer,
    ReasonSerializer,
    SweepDetailSerializer,
    SweepSerializer,
)
from parcours.accounts.models import Role
from tenants.retention import selectors, services

DPO = tenant_roles({Role.DPO})


class SweepList(APIView):
    permission_classes = [DPO]

    @extend_schema(responses=SweepSerializer(many=True), summary="Retention sweeps, newest first")
    def get(self, request: Request) -> Response:
        sweeps = selectors.sweeps_list(access=request_access(request))
        return Response(SweepSerializer(sweeps, many=True).data)

    @extend_schema(
        request=None,
        responses={202: SweepSerializer},
        summary="Ask for a dry-run report (nothing changes until it is confirmed)",
    )
    def post(self, request: Request) -> Response:
        sweep = services.sweep_start(access=request_access(request))
        return Response(SweepSerializer(sweep).data, status=202)


class SweepDetail(APIView):
    permission_classes = [DPO]

    @extend_schema(
        responses=SweepDetailSerializer,
        summary="A sweep: its report (who, what, why), its progress and each row's result",
    )
    def get(self, request: Request, pk: int) -> Response:
        sweep = selectors.sweep_get(access=request_access(request), sweep_id=pk)
        return Response(SweepDetailSerializer(sweep).data)


class SweepConfirm(APIView):
    permission_classes = [DPO]

    @extend_schema(
        request=None,
        responses={202: SweepSerializer},
        summary="Run a dry-run report: exactly its persons, each re-checked at run time",
    )
    def post(self, request: Request, pk: int) -> Response:
        sweep = services.sweep_confirm(access=request_access(request), sweep_id=pk)
        return Response(SweepSerializer(sweep).data, status=202)


class HoldList(APIView):
    permission_classes = [DPO]

    @extend_schema(responses=HoldSerializer(many=True), summary="Legal holds, standing and lifted")
    def get(self, request: Request) -> Response:
        holds = selectors.holds_list(access=request_access(request))
        return Response(HoldSerializer(holds, many=True).data)

    @extend_schema(
        request=HoldCreateSerializer,
        responses={201: HoldSerializer},
        summary="Hold a person's data (by pseudonym), with the reason",
    )
    def post(self, request: Request) -> Response:
        serializer = HoldCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = request_access(request)
        person = selectors.hold_person_find(
            access=access, pseudonym=serializer.validated_data["pseudonym"]
        )
        hold = services.legal_hold_set(
            access=access, person_id=person.pk, reason=serializer.validated_data["reason"]
        )
        return Response(HoldSerializer(hold).data, status=201)


class HoldLift(APIView):
    permission_classes = [DPO]

    @extend_schema(
        request=ReasonSerializer, responses=HoldSerializer, summary="Lift a hold, with the reason"
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hold = services.legal_hold_lift(
            access=request_access(request), hold_id=pk, reason=serializer.validated_data["reason"]
        )
        return Response(HoldSerializer(hold).data)


class ArchiveList(APIView):
    permission_classes = [DPO]

    @extend_schema(
        responses=ArchivedPersonSerializer(many=True),
        summary="Archived persons (pseudonyms and dates; a file is read one by one)",
    )
    def get(self, request: Request) -> Response:
        persons = selectors.archived_persons(access=request_access(request))
        return Response(ArchivedPersonSerializer(persons, many=True).data)


class ArchiveRead(APIView):
    permission_classes = [DPO]

    @extend_schema(
        request=ReasonSerializer,
        responses=ArchivedFileSerializer,
        summary="Read an archived person's file, stating why (the read is audited with it)",
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        archived = selectors.archived_person_read(
            access=request_access(request),
            person_id=pk,
            reason=serializer.validated_data["reason"],
        )
        return Response(ArchivedFileSerializer(vars(archived)).data)
