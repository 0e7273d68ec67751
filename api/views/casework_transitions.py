"""Firing a file's workflow transitions: one route, and one request schema, per transition.

The transitions of the national template each get their route (`dossiers/{id}/transitions/
authorise/`…) and a request component derived from the declaration of their inputs; the
commission's steps are left to its sessions. Any other name (a département's optional step,
`start_…`/`finish_…`, which takes no data) goes through the generic route, which also answers
the commission's steps and unknown names with the reason they are refused.
"""

from __future__ import annotations

from django.urls import URLPattern, path
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ErrorSerializer
from api.permissions import request_access, tenant_roles
from api.serializers_casework import DossierSerializer
from api.serializers_transitions import TransitionSerializer, transition_request_serializer
from parcours.workflows.definition import Transition
from parcours.workflows.services import shipped_workflow
from tenants.casework import selectors
from tenants.casework.transitions import TransitionRequest, dossier_transition

CASE = tenant_roles(selectors.CASE_ROLES)
RESPONSES = {
    200: DossierSerializer,
    409: OpenApiResponse(ErrorSerializer, description="changed concurrently"),
}


class DossierTransition(APIView):
    permission_classes = [CASE]
    request_serializer: type[serializers.Serializer] | None = None

    @extend_schema(
        request=TransitionSerializer,
        responses=RESPONSES,
        summary="Fire a département's optional step (start_…, finish_…) by its name",
        description="The transitions of the national template have their own route and request "
        "schema. `schedule`, `adjourn` and `record_commission_avis` are refused on a file: it is "
        "scheduled onto a session's agenda and receives the avis its deliberation voted through "
        "`commission/sessions/{id}/actions/` (`add_file`, `remove_file`, `close_item`).",
        examples=[
            OpenApiExample(
                "Optional step", request_only=True, value={"data": {}, "comment": "Visite faite."}
            )
        ],
    )
    def post(self, request: Request, pk: int, name: str) -> Response:
        serializer = (self.request_serializer or TransitionSerializer)(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        dossier = dossier_transition(
            access=request_access(request),
            dossier_id=pk,
            request=TransitionRequest(
                name=name,
                data=dict(data["data"]),
                comment=data["comment"],
                expected_state=data["expected_state"] or None,
            ),
        )
        return Response(DossierSerializer(dossier).data)


def _view_of(transition: Transition) -> type[DossierTransition]:
    serializer = transition_request_serializer(transition)
    roles = ", ".join(sorted(transition.roles))
    guards = ", ".join(transition.guards) or "none"
    schema = extend_schema(
        request=serializer,
        responses=RESPONSES,
        operation_id=f"dossier_transition_{transition.name}",
        summary=transition.label,
        description=f"From {', '.join(sorted(transition.sources))} to {transition.target}. "
        f"Fired by: {roles}. Conditions checked: {guards}.",
    )

    def post(self: DossierTransition, request: Request, pk: int, name: str) -> Response:
        return DossierTransition.post(self, request, pk, name)

    return type(
        f"{serializer.__name__.removesuffix('Request')}View",
        (DossierTransition,),
        {"request_serializer": serializer, "post": schema(post)},
    )


def urlpatterns() -> list[URLPattern]:
    """The routes of the transitions, the named ones first (a fixed path wins over `<name>`)."""
    workflow = shipped_workflow()
    named = [
        path(
            f"dossiers/<int:pk>/transitions/{transition.name}/",
            _view_of(transition).as_view(),
            {"name": transition.name},
            name=f"dossier-transition-{transition.name}",
        )
        for transition in workflow.transitions.values()
        if transition.name not in workflow.session_transitions
    ]
    return [
        *named,
        path(
            "dossiers/<int:pk>/transitions/<str:name>/",
            DossierTransition.as_view(),
            name="dossier-transition",
        ),
    ]
