"""The oversight of the commissions through the API (national host): today's status of each
commission, the operator's request to recompute it, and the facts a published release holds."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import national_roles, read_write, request_access
from parcours.accounts.permissions import ALL_NATIONAL_ROLES, NATIONAL_OPERATOR_ONLY
from parcours.reporting.oversight import StatusRow, commission_overview, oversight
from parcours.reporting.oversight_services import commission_status_refresh
from parcours.reporting.selectors import dashboard, published_release


class ReasonSerializer(serializers.Serializer[Any]):
    severity = serializers.IntegerField(
        help_text="1: cannot sit; 2: unlawful or too few sessions; 3: soon short or slow; "
        "4: not computed yet"
    )
    text = serializers.CharField(help_text="the reason in French, as the page says it")


class CommissionStatusSerializer(serializers.Serializer[Any]):  # of StatusRow, one or many
    code = serializers.CharField(help_text="the département's code")
    name = serializers.CharField()
    region = serializers.CharField()
    to_handle = serializers.BooleanField(help_text="something needs action: see `reasons`")
    reasons = ReasonSerializer(many=True)
    computed_on = serializers.DateField(
        source="status.computed_on", allow_null=True, help_text="the day the facts hold on"
    )
    computed_at = serializers.DateTimeField(source="status.computed_at", allow_null=True)
    seats = serializers.IntegerField(
        source="status.seats",
        allow_null=True,
        help_text="titular seats of the composition set by arrêté, the chair's included",
    )
    seats_filled = serializers.IntegerField(source="status.seats_filled", allow_null=True)
    titulars = serializers.IntegerField(
        source="status.titulars", allow_null=True, help_text="in mandate, the chair aside"
    )
    chair_in_office = serializers.BooleanField(source="status.chair_in_office", allow_null=True)
    colleges_missing = serializers.ListField(
        child=serializers.CharField(), help_text="colleges sitting on files without a titular"
    )
    colleges_incomplete = serializers.ListField(
        child=serializers.CharField(),
        help_text="colleges with a titular and a vacant seat, as 'name (filled/seats)'",
    )
    mandates_ending = serializers.IntegerField(
        source="status.mandates_ending",
        allow_null=True,
        help_text="seats whose mandate ends within 90 days with no successor appointed",
    )
    sessions_minimum = serializers.IntegerField(
        source="status.sessions_minimum",
        allow_null=True,
        help_text="the legal yearly minimum in force on the day",
    )
    sessions_due = serializers.IntegerField(
        allow_null=True, help_text="the minimum pro rata of the year elapsed, rounded down"
    )
    sessions_held_year = serializers.IntegerField(
        source="status.sessions_held_year", allow_null=True
    )
    sessions_without_quorum_year = serializers.IntegerField(
        source="status.sessions_without_quorum_year", allow_null=True
    )
    sessions_held_12_months = serializers.IntegerField(
        source="status.sessions_held_12_months", allow_null=True
    )
    sessions_convened_rest_of_year = serializers.IntegerField(
        source="status.sessions_convened_rest_of_year", allow_null=True
    )
    last_session_on = serializers.DateField(source="status.last_session_on", allow_null=True)
    next_session_on = serializers.DateField(source="status.next_session_on", allow_null=True)
    files_overdue = serializers.IntegerField(source="status.files_overdue", allow_null=True)
    approvals_expiring = serializers.IntegerField(
        source="status.approvals_expiring", allow_null=True
    )


class RefreshAcceptedSerializer(serializers.Serializer[Any]):
    departements = serializers.IntegerField(help_text="départements asked to recompute")


class CommissionStatusList(APIView):
    permission_classes = [national_roles(ALL_NATIONAL_ROLES)]

    @extend_schema(
        responses={200: CommissionStatusSerializer(many=True)},
        summary="Each commission as it stands today, those needing action first",
    )
    def get(self, request: Request) -> Response:
        """Every active département's commission as last computed in its schema (each row says
        its day), sorted by the most urgent reason then département. Facts about the
        institution, no person. Not paginated: at most 101 rows, and a page would cut the
        order."""
        rows: list[StatusRow] = commission_overview().rows
        return Response(CommissionStatusSerializer(rows, many=True).data)


class CommissionStatusRefresh(APIView):
    permission_classes = [
        read_write(
            read=national_roles(ALL_NATIONAL_ROLES), write=national_roles(NATIONAL_OPERATOR_ONLY)
        )
    ]

    @extend_schema(
        request=None,
        responses={202: RefreshAcceptedSerializer},
        summary="Recompute every commission's status now, in the background",
        description=(
            "National operator. Audited. Each active département recomputes its commission's "
            "status in its own schema and replaces its row: asking twice does the same work "
            "twice and changes nothing more."
        ),
    )
    def post(self, request: Request) -> Response:
        asked = commission_status_refresh(actor_id=request_access(request).user_id)
        return Response({"departements": asked}, status=status.HTTP_202_ACCEPTED)


class OversightSerializer(serializers.Serializer[Any]):  # of OversightRow, one or many
    code = serializers.CharField(help_text="the département's code")
    name = serializers.CharField()
    region = serializers.CharField()
    titulars = serializers.IntegerField(help_text="titular members in mandate, the chair aside")
    colleges_without_titular = serializers.IntegerField()
    colleges_missing = serializers.ListField(child=serializers.CharField())
    seats = serializers.IntegerField(
        help_text="titular seats of the composition set by arrêté, the chair's included"
    )
    seats_filled = serializers.IntegerField()
    colleges_incomplete = serializers.ListField(
        child=serializers.CharField(),
        help_text="colleges with a titular and a vacant seat, as 'name (filled/seats)'",
    )
    sessions_held = serializers.IntegerField()
    sessions_without_quorum = serializers.IntegerField()
    sessions_minimum = serializers.IntegerField(
        allow_null=True, help_text="the legal yearly minimum, for a year release"
    )
    below_minimum = serializers.BooleanField()
    files_overdue = serializers.IntegerField()
    approvals_expiring = serializers.IntegerField()
    needs_attention = serializers.BooleanField()


class ReleaseOversight(APIView):
    permission_classes = [national_roles(ALL_NATIONAL_ROLES)]

    @extend_schema(
        responses={200: OversightSerializer(many=True)},
        summary="The oversight of the commissions in a published release",
    )
    def get(self, request: Request, pk: int) -> Response:
        """Each included département's commission as on the release's day, where to act first
        coming first: facts about the institution, published exactly (no person in them). For
        today's status, `GET /api/v1/statistics/commissions/`. Not paginated: at most 101
        rows, and a page would cut the order."""
        release = published_release(release_id=pk)
        if release is None:
            raise NotFound("Aucune publication de statistiques ne porte ce numéro.")
        rows = oversight(board=dashboard(release=release))
        return Response(OversightSerializer(rows, many=True).data)
