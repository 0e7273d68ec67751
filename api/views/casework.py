"""Persons, files, their transitions and pieces, on a département's host."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.db.models import Q
from django.http import FileResponse
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ErrorSerializer
from api.permissions import read_write, request_access, tenant_roles
from api.serializers_casework import (
    AssociationAvisSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    DossierCreateSerializer,
    DossierDetailSerializer,
    DossierNotificationSerializer,
    DossierSerializer,
    EndEarlySerializer,
    EvaluationSerializer,
    ExitSerializer,
    ExtraSerializer,
    NotificationSerializer,
    PersonCreateSerializer,
    PersonDetailSerializer,
    PersonSerializer,
    ProjectActionSerializer,
    ProjectSerializer,
    ReminderSerializer,
    RightSerializer,
    RightUpdateSerializer,
    TransitionSerializer,
    TransmissionSerializer,
    WorkflowAdjustSerializer,
    WorkflowSerializer,
)
from parcours.accounts.models import Role
from parcours.accounts.permissions import WORKFLOW_READERS
from parcours.audit.services import audit_record
from parcours.db import connection
from parcours.storage import read_bytes
from parcours.workflows.services import current_template, current_variant, workflow_variant_save
from tenants.casework import selectors, services
from tenants.casework.models import Document, ProjectAction
from tenants.casework.rights import right_update, rights_panel

CASE = tenant_roles(selectors.CASE_ROLES)
WORKER = tenant_roles({Role.ASSOCIATION_WORKER})
PREFET = tenant_roles({Role.PREFET})


class PersonList(generics.ListCreateAPIView):
    permission_classes = [CASE]
    serializer_class = PersonSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        persons = selectors.persons_visible(access=request_access(self.request)).select_related(
            "association"
        )
        search = self.request.query_params.get("q", "").strip()
        return persons.filter(pseudonym__icontains=search) if search else persons

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
        person = _person(access, pk)
        identity = selectors.person_identity(access=access, person=person)
        return Response(PersonDetailSerializer(person, context={"identity": identity}).data)


def _person(access: Any, pk: int) -> Any:
    """The person, scope-checked and audited; 404 outside the scope."""
    try:
        return selectors.person_get(access=access, pk=pk)
    except selectors.NotInScope as exc:
        raise NotFound from exc


@extend_schema(
    parameters=[
        OpenApiParameter("state", str, required=False),
        OpenApiParameter("kind", str, required=False),
        OpenApiParameter("q", str, required=False, description="pseudonym contains"),
    ]
)
class DossierList(generics.ListCreateAPIView):
    permission_classes = [CASE]
    serializer_class = DossierSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        dossiers = selectors.dossiers_visible(access=request_access(self.request)).select_related(
            "workflow_variant"
        )
        params = self.request.query_params
        if params.get("state"):
            dossiers = dossiers.filter(state=params["state"])
        if params.get("kind"):
            dossiers = dossiers.filter(kind=params["kind"])
        if params.get("q"):
            dossiers = dossiers.filter(Q(person__pseudonym__icontains=params["q"].strip()))
        return dossiers

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


def _dossier(request: Request, pk: int) -> Any:
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
        dossier = _dossier(request, pk)
        return Response(
            DossierDetailSerializer(
                dossier,
                context={
                    "transitions": selectors.transitions_available(access=access, dossier=dossier)
                },
            ).data
        )


class DossierTransition(APIView):
    permission_classes = [CASE]

    @extend_schema(
        request=TransitionSerializer,
        responses={
            200: DossierSerializer,
            409: OpenApiResponse(ErrorSerializer, description="changed concurrently"),
        },
        summary="Fire a workflow transition (submit, declare_complete, authorise, refuse…)",
        description="`schedule`, `adjourn` and `record_commission_avis` are refused here (400): a "
        "file is scheduled onto a session's agenda and receives the avis its deliberation voted "
        "through `commission/sessions/{id}/actions/` (`add_file`, `remove_file`, `close_item`).",
        examples=[
            OpenApiExample(
                "Declare complete",
                request_only=True,
                value={"data": {}, "expected_state": "submitted"},
            ),
            OpenApiExample(
                "Refusal",
                request_only=True,
                value={"data": {"motivation": "…", "grounds": ["project_insufficient"]}},
            ),
        ],
    )
    def post(self, request: Request, pk: int, name: str) -> Response:
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        dossier = services.dossier_transition(
            access=request_access(request),
            dossier_id=pk,
            request=services.TransitionRequest(
                name=name,
                data=data["data"],
                comment=data["comment"],
                expected_state=data["expected_state"] or None,
            ),
        )
        return Response(DossierSerializer(dossier).data)


class _WorkerAction(APIView):
    permission_classes = [WORKER]


class EvaluationView(_WorkerAction):
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
        return Response(DossierSerializer(_dossier(request, pk)).data)


class ProjectView(_WorkerAction):
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
        return Response(DossierSerializer(_dossier(request, pk)).data)


class AssociationAvisView(_WorkerAction):
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
        return Response(DossierSerializer(_dossier(request, pk)).data)


class DocumentUploadView(_WorkerAction):
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
        access = request_access(request)
        document = Document.objects.filter(pk=pk).select_related("dossier").first()
        if document is None or document.dossier_id is None:
            raise NotFound
        _dossier(request, document.dossier_id)  # scope check, audited
        audit_record(
            action="document.read",
            actor_id=access.user_id,
            object_type="document",
            object_id=document.pk,
        )
        return FileResponse(
            io.BytesIO(read_bytes(document.storage_name)),
            content_type=document.content_type,
            as_attachment=True,
            filename=f"{document.doc_type}-{document.pk}{_suffix(document.content_type)}",
        )


def _suffix(content_type: str) -> str:
    return {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(
        content_type, ""
    )


class PathwayEndEarly(APIView):
    permission_classes = [PREFET]

    @extend_schema(
        request=EndEarlySerializer,
        responses={200: OpenApiResponse(description="ended")},
        summary="End a pathway early (préfet)",
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = EndEarlySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pathway = services.pathway_end_early(
            access=request_access(request), pathway_id=pk, **serializer.validated_data
        )
        return Response({"id": pathway.pk, "status": pathway.status, "ended_on": pathway.ended_on})


class PathwayExit(APIView):
    permission_classes = [tenant_roles({Role.COORDINATOR, Role.ASSOCIATION_WORKER})]

    @extend_schema(
        request=ExitSerializer,
        responses={200: OpenApiResponse(description="exited")},
        summary="Record the exit and its outcome",
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = ExitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pathway = services.pathway_exit(
            access=request_access(request), pathway_id=pk, **serializer.validated_data
        )
        return Response(
            {"id": pathway.pk, "status": pathway.status, "exit_outcome": pathway.exit_outcome}
        )


def _right_label(code: str) -> str:
    from parcours.referentiel.models import NomenclatureItem

    item = NomenclatureItem.objects.filter(kind="right_type", code=code).first()
    return item.label if item else code


def _right_row(right: Any, label: str, type_: str) -> dict[str, Any]:
    return {
        "type": type_,
        "label": label,
        "status": right.status if right else "todo",
        "requested_on": getattr(right, "requested_on", None),
        "granted_on": getattr(right, "granted_on", None),
        "refused_on": getattr(right, "refused_on", None),
        "ends_on": getattr(right, "ends_on", None),
        "details": right.details if right else {},
    }


class PersonRights(APIView):
    permission_classes = [tenant_roles({Role.COORDINATOR, Role.PREFET, Role.ASSOCIATION_WORKER})]

    @extend_schema(
        responses=RightSerializer(many=True),
        summary="The person's rights panel (AFIS, APS, housing, care…)",
    )
    def get(self, request: Request, pk: int) -> Response:
        person = _person(request_access(request), pk)
        rows = [_right_row(r["right"], r["label"], r["type"]) for r in rights_panel(person=person)]
        return Response(RightSerializer(rows, many=True).data)

    @extend_schema(
        request=RightUpdateSerializer,
        responses={200: RightSerializer},
        summary="Move a right along its lifecycle; AFIS needs its eligibility checklist",
        examples=[
            OpenApiExample(
                "AFIS granted",
                request_only=True,
                value={
                    "right_type": "afis",
                    "status": "granted",
                    "on": "2026-11-02",
                    "details": {
                        "checklist": {
                            "adult": True,
                            "residence": True,
                            "resources_below_rsa": True,
                            "no_rsa": True,
                            "no_ada": True,
                        }
                    },
                },
            )
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = RightUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        right = right_update(
            access=request_access(request),
            person_id=pk,
            right_type=data["right_type"],
            status=data["status"],
            on=data["on"],
            ends_on=data.get("ends_on"),
            details=data["details"],
        )
        return Response(
            RightSerializer(
                _right_row(right, _right_label(right.right_type), right.right_type)
            ).data
        )


class NotificationView(APIView):
    permission_classes = [tenant_roles({Role.COORDINATOR})]

    @extend_schema(
        request=NotificationSerializer,
        responses={200: DossierNotificationSerializer},
        summary="Record the notification of the decision (starts the appeal delay)",
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = NotificationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.decision_notification_record(
            access=request_access(request),
            dossier_id=pk,
            notified_on=data["notified_on"],
            channel=data["channel"],
            acknowledged_on=data.get("acknowledged_on"),
        )
        return Response(DossierNotificationSerializer(_dossier(request, pk)).data)


class ReminderList(APIView):
    permission_classes = [tenant_roles(selectors.CASE_ROLES)]

    @extend_schema(responses=ReminderSerializer(many=True), summary="Open reminders for my roles")
    def get(self, request: Request) -> Response:
        return Response(
            ReminderSerializer(
                selectors.reminders_for(access=request_access(request)), many=True
            ).data
        )


class WorkflowView(APIView):
    permission_classes = [
        read_write(
            read=tenant_roles(WORKFLOW_READERS),
            write=tenant_roles({Role.COORDINATOR}),
        )
    ]

    def _payload(self, variant: Any) -> dict[str, Any]:
        return {
            "template": variant.template.code,
            "version": variant.template.version,
            "variant": variant.pk,
            "adjustments": variant.adjustments,
            "definition": variant.definition,
        }

    @extend_schema(
        responses=WorkflowSerializer,
        summary="The PSP workflow new files of this département follow",
    )
    def get(self, request: Request) -> Response:
        tenant = request_access(request).tenant
        variant = current_variant(tenant=tenant)
        connection.set_tenant(tenant)
        return Response(self._payload(variant))

    @extend_schema(
        request=WorkflowAdjustSerializer,
        responses={200: WorkflowSerializer},
        summary="Adjust the département's workflow where the law leaves room (refused with reasons otherwise)",
        examples=[
            OpenApiExample(
                "Shorter reminders",
                request_only=True,
                value={
                    "adjustments": {
                        "deadlines": {"period_end_warning_days": 45},
                        "options": {"early_end_of_pathway": True},
                    }
                },
            )
        ],
    )
    def put(self, request: Request) -> Response:
        serializer = WorkflowAdjustSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = request_access(request)
        tenant = access.tenant
        try:
            variant = workflow_variant_save(
                tenant=tenant,
                template=current_template(code="psp"),
                adjustments=serializer.validated_data["adjustments"],
                actor_id=access.user_id,
            )
        finally:
            connection.set_tenant(tenant)
        return Response(self._payload(variant))


class ExtraView(_WorkerAction):
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
        return Response(DossierSerializer(_dossier(request, pk)).data)


def _project_actions(request: Request, pk: int) -> Any:
    """The actions of a file's project, through the file's scoped (and audited) read."""
    dossier = _dossier(request, pk)
    return ProjectAction.objects.filter(project__dossier=dossier).order_by("pk")


ACTIONS = read_write(read=CASE, write=WORKER)


class ProjectActionCreate(_WorkerAction):
    permission_classes = [ACTIONS]

    @extend_schema(
        responses=ProjectActionSerializer(many=True),
        summary="The actions of the insertion project",
        operation_id="dossier_project_action_list",
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(ProjectActionSerializer(_project_actions(request, pk), many=True).data)

    @extend_schema(
        request=ProjectActionSerializer,
        responses={200: ProjectActionSerializer},
        summary="Add an action to the insertion project",
        operation_id="dossier_project_action_add",
    )
    def post(self, request: Request, pk: int) -> Response:
        return _save_action(request, pk, None)


class ProjectActionUpdate(_WorkerAction):
    permission_classes = [ACTIONS]

    @extend_schema(
        responses=ProjectActionSerializer,
        summary="An action of the insertion project",
        operation_id="dossier_project_action_get",
    )
    def get(self, request: Request, pk: int, action_id: int) -> Response:
        action = _project_actions(request, pk).filter(pk=action_id).first()
        if action is None:
            raise NotFound
        return Response(ProjectActionSerializer(action).data)

    @extend_schema(
        request=ProjectActionSerializer(partial=True),
        responses={200: ProjectActionSerializer},
        summary="Change some fields of an action; the others keep their value",
        operation_id="dossier_project_action_patch",
    )
    def patch(self, request: Request, pk: int, action_id: int) -> Response:
        return _save_action(request, pk, action_id)

    @extend_schema(
        request=ProjectActionSerializer,
        responses={200: ProjectActionSerializer},
        summary="Update an action of the insertion project (status, due date, partner…)",
        operation_id="dossier_project_action_update",
    )
    def post(self, request: Request, pk: int, action_id: int) -> Response:
        return _save_action(request, pk, action_id)


def _save_action(request: Request, pk: int, action_id: int | None) -> Response:
    """An update changes only the fields sent (a status alone keeps the due date)."""
    updating = action_id is not None
    serializer = ProjectActionSerializer(data=request.data, partial=updating)
    serializer.is_valid(raise_exception=True)
    values = dict(serializer.validated_data)
    if updating:
        sent = set(request.data) if isinstance(request.data, dict) else set()
        values = {key: value for key, value in values.items() if key in sent}
        current = _project_actions(request, pk).filter(pk=action_id).first()
        if current is None:
            raise NotFound
        values = {**ProjectActionSerializer(current).data, **values}
        values.pop("id", None)
        due_on = values.get("due_on")
        if isinstance(due_on, str):
            values["due_on"] = dt.date.fromisoformat(due_on)
    action = services.project_action_save(
        access=request_access(request),
        dossier_id=pk,
        action_id=action_id,
        **values,
    )
    return Response(ProjectActionSerializer(action).data)


class AfisTransmissionView(APIView):
    permission_classes = [tenant_roles({Role.COORDINATOR})]

    @extend_schema(
        request=TransmissionSerializer,
        responses={200: RightSerializer},
        summary="Record the transmission of a granted AFIS to the MSA",
    )
    def post(self, request: Request, pk: int) -> Response:
        from tenants.casework.rights import afis_transmit_to_msa

        serializer = TransmissionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        right = afis_transmit_to_msa(
            access=request_access(request), person_id=pk, on=serializer.validated_data["on"]
        )
        return Response(
            RightSerializer(
                _right_row(right, _right_label(right.right_type), right.right_type)
            ).data
        )
