"""The pathway after the decision, on a département's host: its end and exit, the person's rights,
the notification of the decision, reminders, the project's actions and the workflow in force."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import read_write, request_access, tenant_roles
from api.serializers_casework import (
    DossierNotificationSerializer,
    EndEarlySerializer,
    ExitSerializer,
    NotificationSerializer,
    ProjectActionSerializer,
    ReminderSerializer,
    RightSerializer,
    RightUpdateSerializer,
    TransmissionSerializer,
    WorkflowAdjustSerializer,
    WorkflowSerializer,
)
from api.views.casework import CASE, PREFET, WORKER, WorkerAction, dossier_or_404, person_or_404
from parcours.accounts.models import Role
from parcours.accounts.permissions import WORKFLOW_READERS
from parcours.db import connection
from parcours.workflows.services import current_template, current_variant, workflow_variant_save
from tenants.casework import selectors, services
from tenants.casework.models import ProjectAction
from tenants.casework.rights import right_update, rights_panel


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
        person = person_or_404(request_access(request), pk)
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
        return Response(DossierNotificationSerializer(dossier_or_404(request, pk)).data)


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


def _project_actions(request: Request, pk: int) -> Any:
    """The actions of a file's project, through the file's scoped (and audited) read."""
    dossier = dossier_or_404(request, pk)
    return ProjectAction.objects.filter(project__dossier=dossier).order_by("pk")


ACTIONS = read_write(read=CASE, write=WORKER)


class ProjectActionCreate(WorkerAction):
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


class ProjectActionUpdate(WorkerAction):
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
