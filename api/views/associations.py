"""The national registry of associations, approvals per département and departmental steering."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import SignedIn, national_roles, read_write, request_access, tenant_roles
from parcours.accounts.models import Role
from parcours.accounts.permissions import NATIONAL_OPERATOR_ONLY
from parcours.associations.models import Association
from parcours.associations.services import association_save
from tenants.agrements import commands as agrement_commands
from tenants.agrements import selectors as agrement_selectors
from tenants.agrements import services as agrements
from tenants.agrements.models import Agrement
from tenants.pilotage import services as pilotage
from tenants.pilotage.models import PeriodFigures, StrategyAxis


class AssociationSerializer(serializers.ModelSerializer):
    head_office = serializers.CharField(source="head_office_departement.code")

    class Meta:
        model = Association
        fields = [
            "id",
            "name",
            "rna",
            "siret",
            "head_office",
            "head_office_address",
            "declared_on",
            "contact_email",
            "contact_phone",
        ]


class AssociationList(APIView):
    permission_classes = [read_write(read=SignedIn, write=national_roles(NATIONAL_OPERATOR_ONLY))]

    @extend_schema(
        responses=AssociationSerializer(many=True), summary="The national registry of associations"
    )
    def get(self, request: Request) -> Response:
        associations = Association.objects.select_related("head_office_departement").order_by(
            "name"
        )
        return Response(AssociationSerializer(associations, many=True).data)

    @extend_schema(
        request=AssociationSerializer,
        responses={201: AssociationSerializer},
        summary="Register an association (national operator; RNA, SIRET checked)",
    )
    def post(self, request: Request) -> Response:
        association = _association_save(request, association_id=None)
        return Response(AssociationSerializer(association).data, status=status.HTTP_201_CREATED)


def _association_save(request: Request, *, association_id: int | None) -> Association:
    # The registry's own checks raise Django's ValidationError: api/errors.py gives it the
    # API's error format, field by field.
    # Bound to the row being updated, so its own RNA and SIRET are not "already taken".
    instance = Association.objects.filter(pk=association_id).first() if association_id else None
    serializer = AssociationSerializer(instance, data=request.data)
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    head_office = data.pop("head_office_departement")["code"]
    return association_save(
        association_id=association_id,
        data=data,
        head_office=head_office,
        actor_id=request_access(request).user_id,
    )


class AssociationDetail(APIView):
    permission_classes = [read_write(read=SignedIn, write=national_roles(NATIONAL_OPERATOR_ONLY))]

    @extend_schema(responses=AssociationSerializer, summary="An association of the registry")
    def get(self, request: Request, pk: int) -> Response:
        association = (
            Association.objects.select_related("head_office_departement").filter(pk=pk).first()
        )
        if association is None:
            raise NotFound
        return Response(AssociationSerializer(association).data)

    @extend_schema(
        request=AssociationSerializer,
        responses={200: AssociationSerializer},
        summary="Update an association of the registry (national operator)",
    )
    def put(self, request: Request, pk: int) -> Response:
        if not Association.objects.filter(pk=pk).exists():
            raise NotFound
        association = _association_save(request, association_id=pk)
        return Response(AssociationSerializer(association).data)


class AgrementSerializer(serializers.ModelSerializer):
    tacit_approval_on = serializers.SerializerMethodField()

    class Meta:
        model = Agrement
        fields = [
            "id",
            "association",
            "status",
            "requested_on",
            "departements",
            "missing_items",
            "missing_items_requested_on",
            "complete_on",
            "decided_on",
            "tacit",
            "motivation",
            "valid_from",
            "valid_until",
            "arrete_reference",
            "tacit_approval_on",
        ]
        read_only_fields = [
            f for f in fields if f not in {"association", "requested_on", "departements"}
        ]

    def get_tacit_approval_on(self, obj: Agrement) -> str | None:
        if obj.status not in {"requested", "complete"}:
            return None
        day = agrement_selectors.tacit_approval_on(agrement=obj)
        return day.isoformat() if day else None


class AgrementActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=["missing_items", "complete", "approve", "refuse", "withdraw", "handover", "renew"]
    )
    on = serializers.DateField()
    detail = serializers.CharField(required=False, allow_blank=True, default="")
    to = serializers.IntegerField(required=False)


class AgrementList(APIView):
    permission_classes = [
        read_write(
            read=tenant_roles({Role.COORDINATOR, Role.PREFET}),
            write=tenant_roles({Role.COORDINATOR}),
        )
    ]

    @extend_schema(
        responses=AgrementSerializer(many=True),
        summary="Approvals in this département, with tacit dates",
    )
    def get(self, request: Request) -> Response:
        return Response(
            AgrementSerializer(Agrement.objects.order_by("-requested_on"), many=True).data
        )

    @extend_schema(
        request=AgrementSerializer,
        responses={201: AgrementSerializer},
        summary="Record an approval request (3-year seniority checked)",
    )
    def post(self, request: Request) -> Response:
        serializer = AgrementSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        agrement = agrements.agrement_request(
            access=request_access(request),
            association_id=data["association"].pk,
            requested_on=data["requested_on"],
            departements=data.get("departements", []),
        )
        return Response(AgrementSerializer(agrement).data, status=status.HTTP_201_CREATED)


class AgrementAction(APIView):
    permission_classes = [tenant_roles({Role.COORDINATOR, Role.PREFET})]

    @extend_schema(
        request=AgrementActionSerializer,
        responses={200: AgrementSerializer},
        summary="Instruct and decide: missing items, complete, approve, refuse, withdraw, handover",
        examples=[
            OpenApiExample(
                "Approve",
                request_only=True,
                value={"action": "approve", "on": "2026-11-20", "detail": "Arrêté 2026-31-12"},
            )
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = AgrementActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data
        # The same command table as the approvals page (tenants/agrements/commands.py).
        done = agrement_commands.agrement_act(
            access=request_access(request), agrement_id=pk, action=data["action"], data=data
        )
        return Response(AgrementSerializer(Agrement.objects.get(pk=done.agrement_id)).data)


# The steering is read by the commission and written by the coordination.
STEERING = read_write(
    read=tenant_roles({Role.COORDINATOR, Role.PREFET, Role.MEMBER}),
    write=tenant_roles({Role.COORDINATOR}),
)


class FiguresSerializer(serializers.ModelSerializer):
    class Meta:
        model = PeriodFigures
        fields = ["year", *pilotage.FIGURES]


class FiguresView(APIView):
    permission_classes = [STEERING]

    @extend_schema(
        responses=FiguresSerializer(many=True),
        summary="Yearly prevention and buyer-side aggregates",
    )
    def get(self, request: Request) -> Response:
        return Response(FiguresSerializer(PeriodFigures.objects.all(), many=True).data)

    @extend_schema(
        request=FiguresSerializer,
        responses={200: FiguresSerializer},
        summary="Record a year's aggregates",
    )
    def post(self, request: Request) -> Response:
        data: dict[str, Any] = request.data if isinstance(request.data, dict) else {}
        year = data.get("year")
        values = {k: data[k] for k in pilotage.FIGURES if k in data}
        figures = pilotage.figures_record(
            access=request_access(request),
            year=year if isinstance(year, int) and not isinstance(year, bool) else -1,
            values=values,
        )
        return Response(FiguresSerializer(figures).data)


class ReportRequest(APIView):
    permission_classes = [tenant_roles({Role.COORDINATOR, Role.PREFET})]

    @extend_schema(
        request=serializers.Serializer,
        responses={202: None},
        summary="Build the annual activity report (PDF) in the background",
    )
    def post(self, request: Request, year: int) -> Response:
        pilotage.activity_report_request(access=request_access(request), year=year)
        return Response(status=status.HTTP_202_ACCEPTED)


class StrategyActionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=300)
    owner = serializers.CharField(max_length=200)
    indicator = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    target = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    achieved = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(
        choices=["planned", "in_progress", "done", "dropped"], default="planned"
    )


class StrategyAxisSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=200)
    first_year = serializers.IntegerField()
    last_year = serializers.IntegerField()
    actions = StrategyActionSerializer(many=True, read_only=True)


class StrategyView(APIView):
    permission_classes = [STEERING]

    @extend_schema(
        responses=StrategyAxisSerializer(many=True),
        summary="The departmental strategy: axes and actions",
    )
    def get(self, request: Request) -> Response:
        axes = StrategyAxis.objects.prefetch_related("actions").order_by("position")
        return Response(StrategyAxisSerializer(axes, many=True).data)

    @extend_schema(
        request=StrategyAxisSerializer,
        responses={201: StrategyAxisSerializer},
        summary="Add an axis",
    )
    def post(self, request: Request) -> Response:
        serializer = StrategyAxisSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        axis = pilotage.axis_create(access=request_access(request), **serializer.validated_data)
        return Response(StrategyAxisSerializer(axis).data, status=status.HTTP_201_CREATED)


class StrategyActionView(APIView):
    permission_classes = [tenant_roles({Role.COORDINATOR})]

    @extend_schema(
        request=StrategyActionSerializer,
        responses={200: StrategyActionSerializer},
        summary="Add (no id) or update an action of an axis",
    )
    def post(self, request: Request, axis: int) -> Response:
        serializer = StrategyActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        action_id = request.data.get("id") if isinstance(request.data, dict) else None
        action = pilotage.action_save(
            access=request_access(request),
            axis_id=axis,
            action_id=action_id
            if isinstance(action_id, int) and not isinstance(action_id, bool)
            else None,
            data=dict(serializer.validated_data),
        )
        return Response(StrategyActionSerializer(action).data)
