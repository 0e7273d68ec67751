"""The person's rights on a département's host: identity rectification and its history, access
exports (coordination), the audit trail and a file's readers (DPO)."""

from __future__ import annotations

import io
from typing import Any

from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import request_access, tenant_roles
from api.serializers_privacy import (
    AccessExportSerializer,
    AuditEventSerializer,
    IdentityHistorySerializer,
    IdentityRectifySerializer,
    ReaderSerializer,
    TrailQuerySerializer,
)
from api.views.casework import person_or_404
from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from tenants.casework.models import Person
from tenants.casework.selectors import CASE_ROLES
from tenants.privacy import selectors, services
from tenants.privacy.exports import ExportKind
from tenants.privacy.rectification import RevisionView

CASE = tenant_roles(CASE_ROLES)
COORDINATION = tenant_roles({Role.COORDINATOR})
DPO = tenant_roles({Role.DPO})


def _history(access: Access, person: Person, *, changed: bool) -> dict[str, Any]:
    revisions: list[RevisionView] = selectors.identity_history(access=access, person=person) or []
    return {
        "person": person.pk,
        "pseudonym": person.pseudonym,
        "changed": changed,
        "revisions": [
            {
                "at": r.at,
                "actor_id": r.actor_id,
                "actor_account": r.actor_label,
                "actor_role": r.actor_role,
                "reason": r.reason,
                "changes": [vars(c) for c in r.changes],
            }
            for r in revisions
        ],
    }


class PersonIdentity(APIView):
    permission_classes = [CASE]

    @extend_schema(
        responses=IdentityHistorySerializer,
        summary="The rectifications of a person's identity (who, when, what, why; audited)",
    )
    def get(self, request: Request, pk: int) -> Response:
        access = request_access(request)
        person = person_or_404(access, pk)
        return Response(IdentityHistorySerializer(_history(access, person, changed=False)).data)

    @extend_schema(
        request=IdentityRectifySerializer,
        responses={200: IdentityHistorySerializer},
        summary="Rectify a person's identity (association or coordination); the history keeps it",
        examples=[
            OpenApiExample(
                "Usual name",
                request_only=True,
                value={
                    "changes": {"last_name": "Doe-Martin"},
                    "reason": "Nom d'usage, sur justificatif.",
                },
            )
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = IdentityRectifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        changes = {
            key: (value.isoformat() if hasattr(value, "isoformat") else value)
            for key, value in data["changes"].items()
        }
        access = request_access(request)
        revision = services.person_identity_rectify(
            access=access, person_id=pk, changes=changes, reason=data["reason"]
        )
        # The person was read (scope-checked, audited) by the rectification; when nothing
        # changed there is no revision to carry it, so it is read again the one way.
        person = revision.person if revision is not None else person_or_404(access, pk)
        body = _history(access, person, changed=revision is not None)
        return Response(IdentityHistorySerializer(body).data)


class PersonAccessExports(APIView):
    permission_classes = [COORDINATION]

    @extend_schema(
        responses=AccessExportSerializer(many=True),
        summary="The access exports asked for a person (coordination)",
    )
    def get(self, request: Request, pk: int) -> Response:
        access = request_access(request)
        person = person_or_404(access, pk)
        exports = selectors.access_exports_visible(access=access, person_id=person.pk)
        return Response(AccessExportSerializer(exports, many=True).data)

    @extend_schema(
        request=None,
        responses={202: AccessExportSerializer},
        summary="Ask for a person's access export (GDPR art. 15), built in the background",
    )
    def post(self, request: Request, pk: int) -> Response:
        export = services.access_export_request(access=request_access(request), person_id=pk)
        return Response(AccessExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)


class AccessExportList(APIView):
    permission_classes = [COORDINATION]

    @extend_schema(
        responses=AccessExportSerializer(many=True),
        summary="The access exports of the département, newest first (coordination)",
    )
    def get(self, request: Request) -> Response:
        exports = selectors.access_exports_visible(access=request_access(request))
        return Response(AccessExportSerializer(exports, many=True).data)


class AccessExportDetail(APIView):
    permission_classes = [COORDINATION]

    @extend_schema(responses=AccessExportSerializer, summary="An access export: state, progress")
    def get(self, request: Request, pk: int) -> Response:
        export = selectors.access_export_get(access=request_access(request), export_id=pk)
        return Response(AccessExportSerializer(export).data)


def _download(request: Request, pk: int, kind: ExportKind) -> HttpResponseBase:
    file = services.access_export_download(access=request_access(request), export_id=pk, kind=kind)
    return FileResponse(
        io.BytesIO(file.content),
        content_type=file.content_type,
        as_attachment=True,
        filename=file.filename,
    )


class AccessExportJson(APIView):
    permission_classes = [COORDINATION]

    @extend_schema(
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        summary="Download an access export as JSON (audited)",
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        return _download(request, pk, "json")


class AccessExportPdf(APIView):
    permission_classes = [COORDINATION]

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        summary="Download an access export as a readable French PDF (audited)",
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        return _download(request, pk, "pdf")


def _filters(request: Request) -> selectors.TrailFilters:
    query = TrailQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    return selectors.TrailFilters(
        actor=data.get("actor", ""),
        action=data.get("action", ""),
        since=data.get("since"),
        until=data.get("until"),
        person=data.get("person", ""),
        text=data.get("text", ""),
        reads_only=data.get("reads_only", False),
    )


class AuditEventList(generics.GenericAPIView):
    permission_classes = [DPO]
    serializer_class = AuditEventSerializer

    @extend_schema(
        parameters=[TrailQuerySerializer],
        responses=AuditEventSerializer(many=True),
        summary="The département's audit trail, newest first, filtered (DPO; audited)",
    )
    def get(self, request: Request) -> Response:
        filters = _filters(request)
        events = selectors.trail_search(access=request_access(request), filters=filters)
        page = self.paginate_queryset(events)
        rows = [
            {
                "id": row.event.pk,
                "occurred_at": row.event.occurred_at,
                "actor_id": row.event.actor_id,
                "actor_account": row.actor_label,
                "actor_role": row.event.actor_role,
                "action": row.event.action,
                "object_type": row.event.object_type,
                "object_id": row.event.object_id,
                "reason": row.event.reason,
                "request_id": row.event.request_id,
                "data": row.data,
            }
            for row in selectors.trail_rows(page if page is not None else events[:50])
        ]
        return self.get_paginated_response(AuditEventSerializer(rows, many=True).data)


class AuditEventCsv(APIView):
    permission_classes = [DPO]

    @extend_schema(
        parameters=[TrailQuerySerializer],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        summary="The filtered audit trail as CSV (UTF-8 with BOM, ';', CRLF; DPO; audited)",
    )
    def get(self, request: Request) -> HttpResponse:
        filters = _filters(request)
        events = selectors.trail_search(access=request_access(request), filters=filters)
        response = HttpResponse(
            selectors.trail_csv(events=events), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="journal-audit.csv"'
        return response


class PersonReaders(APIView):
    permission_classes = [DPO]

    @extend_schema(
        responses=ReaderSerializer(many=True),
        summary="Who read a person's file: accounts, roles, how often, when (DPO; audited)",
    )
    def get(self, request: Request, pk: int) -> Response:
        readers = selectors.person_readers(access=request_access(request), person_id=pk)
        return Response(ReaderSerializer(readers, many=True).data)
