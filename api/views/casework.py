"""Persons, files, their transitions and pieces, on a département's host."""

from __future__ import annotations

import io
from typing import Any

from django.http import FileResponse
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import request_access, tenant_roles
from api.serializers_casework import (
    AssociationAvisSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    DossierCreateSerializer,
    DossierDetailSerializer,
    DossierSerializer,
    EvaluationSerializer,
    ExtraSerializer,
    PersonCreateSerializer,
    PersonDetailSerializer,
    PersonSerializer,
    ProjectSerializer,
)
from parcours.accounts.models import Role
from parcours.storage import read_bytes
from tenants.casework import selectors, services

CASE = tenant_roles(selectors.CASE_ROLES)
WORKER = tenant_roles({Role.ASSOCIATION_WORKER})
PREFET = tenant_roles({Role.PREFET})


NAME_SEARCH = OpenApiParameter(
    "q",
    str,
    required=False,
    description="pseudonym contains, or (association, coordination) every word is a part of "
    "the person's name, in any order, accents and case ignored",
)


@extend_schema_view(get=extend_schema(parameters=[NAME_SEARCH]))
class PersonList(generics.ListCreateAPIView):
    permission_classes = [CASE]
    serializer_class = PersonSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        persons = selectors.persons_visible(access=request_access(self.request)).select_related(
            "association"
        )
        search = self.request.query_params.get("q", "").strip()
        access = request_access(self.request)
        return (
            persons.filter(selectors.person_search(access=access, text=search))
            if search
            else persons
        )

    @extend_schema(
        request=PersonCreateSerializer,
        responses={201: PersonSerializer},
        examples=[
            OpenApiExample(
                "Person",
                request_only=True,
                value={
                    "identity": {
                        "last_name": "Doe",
                        "first_name": "Jane",
                        "birth_date": "1992-03-01",
                        "nationality": "NGA",
                    },
                    "children_count": 1,
                    "languages": ["fr", "en"],
                },
            )
        ],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = PersonCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        identity = {**data["identity"], "birth_date": str(data["identity"].get("birth_date") or "")}
        person = services.person_create(
            access=request_access(request),
            identity=identity,
            children_count=data["children_count"],
            languages=data["languages"],
        )
        return Response(PersonSerializer(person).data, status=status.HTTP_201_CREATED)


class PersonDetail(APIView):
    permission_classes = [CASE]

    @extend_schema(
        responses=PersonDetailSerializer,
        summary="A person (identity for the roles that need it; audited)",
    )
    def get(self, request: Request, pk: int) -> Response:
        access = request_access(request)
        person = person_or_404(access, pk)
        identity = selectors.person_identity(access=access, person=person)
        return Response(PersonDetailSerializer(person, context={"identity": identity}).data)


def person_or_404(access: Any, pk: int) -> Any:
    """The person, scope-checked and audited; 404 outside the scope."""
    try:
        return selectors.person_get(access=access, pk=pk)
    except selectors.NotInScope as exc:
        raise NotFound from exc


@extend_schema(
    parameters=[
        OpenApiParameter("state", str, required=False),
        OpenApiParameter("kind", str, required=False),
        NAME_SEARCH,
        OpenApiParameter(
            "closed",
            bool,
            required=False,
            description="include the closed files (by default only the files under way)",
        ),
    ],
    description="The files under way by default, what is due first (waiting the longest).",
)
class DossierList(generics.ListCreateAPIView):
    permission_classes = [CASE]
    serializer_class = DossierSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        dossiers = selectors.dossiers_visible(access=request_access(self.request))
        params = self.request.query_params
        if params.get("state"):
            dossiers = dossiers.filter(state=params["state"])
        elif params.get("closed", "").lower() not in {"true", "1"}:
            dossiers = selectors.dossiers_open(dossiers)
        if params.get("kind"):
            dossiers = dossiers.filter(kind=params["kind"])
        if params.get("q"):
            dossiers = dossiers.filter(
                selectors.person_search(
                    access=request_access(self.request), text=params["q"].strip(), path="person__"
                )
            )
        return selectors.dossiers_by_due(dossiers)

    @extend_schema(
        request=DossierCreateSerializer,
        responses={201: DossierSerializer},
        examples=[
            OpenApiExample(
                "First request", request_only=True, value={"person": 12, "kind": "first_request"}
            )
        ],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = DossierCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dossier = services.dossier_create(
            access=request_access(request),
            person_id=serializer.validated_data["person"],
            kind=serializer.validated_data["kind"],
        )
        return Response(DossierSerializer(dossier).data, status=status.HTTP_201_CREATED)


def dossier_or_404(request: Request, pk: int) -> Any:
    """The file, scope-checked and audited; 404 outside the scope."""
    try:
        return selectors.dossier_get(access=request_access(request), pk=pk)
    except selectors.NotInScope as exc:
        raise NotFound from exc


class DossierDetail(APIView):
    permission_classes = [CASE]

    @extend_schema(
        responses=DossierDetailSerializer,
        summary="A file with its timeline, pieces and the actions open to you",
    )
    def get(self, request: Request, pk: int) -> Response:
        access = request_access(request)
        dossier = dossier_or_404(request, pk)
        return Response(
            DossierDetailSerializer(
                dossier,
                context={
                    "transitions": selectors.transitions_available(access=access, dossier=dossier)
                },
            ).data
        )


class WorkerAction(APIView):
    permission_classes = [WORKER]


class EvaluationView(WorkerAction):
    @extend_schema(
        request=EvaluationSerializer,
        responses={200: DossierSerializer},
        summary="Record one domain of the needs evaluation",
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = EvaluationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.evaluation_record(
            access=request_access(request), dossier_id=pk, **serializer.validated_data
        )
        return Response(DossierSerializer(dossier_or_404(request, pk)).data)


class ProjectView(WorkerAction):
    @extend_schema(
        request=ProjectSerializer,
        responses={200: DossierSerializer},
        summary="Record the insertion project",
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = ProjectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.project_record(
            access=request_access(request),
            dossier_id=pk,
            goals=data["goals"],
            commitments=data["commitments"],
            signed_on=data.get("signed_on"),
        )
        return Response(DossierSerializer(dossier_or_404(request, pk)).data)


class AssociationAvisView(WorkerAction):
    @extend_schema(
        request=AssociationAvisSerializer,
        responses={200: DossierSerializer},
        summary="Record the association's motivated avis",
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = AssociationAvisSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.association_avis_record(
            access=request_access(request), dossier_id=pk, **serializer.validated_data
        )
        return Response(DossierSerializer(dossier_or_404(request, pk)).data)


class DocumentUploadView(WorkerAction):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
        summary="Upload a piece (PDF, PNG or JPEG, 10 MB at most)",
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = DocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > 10 * 1024 * 1024:
            raise ValidationError({"file": ["Le fichier dépasse la taille maximale de 10 Mo."]})
        document = services.document_upload(
            access=request_access(request),
            dossier_id=pk,
            doc_type=serializer.validated_data["doc_type"],
            data=upload.read(),
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDownload(APIView):
    permission_classes = [CASE]

    @extend_schema(
        # The stored type, checked by the bytes on upload: one of these three.
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            (200, "image/jpeg"): OpenApiTypes.BINARY,
        },
        summary="Download a piece (permission-checked, audited)",
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        document = selectors.document_get(access=request_access(request), pk=pk)
        return FileResponse(
            io.BytesIO(read_bytes(document.storage_name)),
            content_type=document.content_type,
            as_attachment=True,
            filename=selectors.document_filename(document),
        )


class ExtraView(WorkerAction):
    @extend_schema(
        request=ExtraSerializer,
        responses={200: DossierSerializer},
        summary="Fill the département's complementary fields (validated by its JSON Schema)",
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = ExtraSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.dossier_extra_record(
            access=request_access(request),
            dossier_id=pk,
            values=serializer.validated_data["values"],
        )
        return Response(DossierSerializer(dossier_or_404(request, pk)).data)
