"""The privacy budget of the differentially private open data, and a release's noisy figures
(national host). Reads: national roles; setting a year's budget: the national operator."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import national_roles, read_write, request_access
from parcours.accounts.permissions import ALL_NATIONAL_ROLES, NATIONAL_OPERATOR_ONLY
from parcours.reporting.privacy_selectors import (
    BudgetStatus,
    LedgerLine,
    dp_figure_rows,
    dp_release,
    privacy_budget,
    privacy_budget_years,
    privacy_budgets,
    privacy_ledger,
)
from parcours.reporting.privacy_services import (
    YEAR_MAX,
    YEAR_MIN,
    PrivacyBudgetError,
    privacy_budget_set,
)
from parcours.reporting.selectors import published_release

NATIONAL = national_roles(ALL_NATIONAL_ROLES)
EPSILON_HELP = "ε as a decimal string (point or comma), 0 to 10, at most three decimals"


class BudgetSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    epsilon_total = serializers.DecimalField(max_digits=6, decimal_places=3, source="total")
    spent = serializers.DecimalField(max_digits=7, decimal_places=3)
    reserved = serializers.DecimalField(max_digits=7, decimal_places=3)
    remaining = serializers.DecimalField(max_digits=7, decimal_places=3)
    is_default = serializers.BooleanField(help_text="no row yet: the legal parameter's value")
    set_by = serializers.CharField()
    set_at = serializers.DateTimeField(allow_null=True)


class LedgerLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="spend.pk")
    release = serializers.IntegerField(source="release.pk")
    period_kind = serializers.CharField(source="release.period_kind")
    period_start = serializers.DateField(source="release.period_start")
    epsilon = serializers.DecimalField(max_digits=6, decimal_places=3, source="spend.epsilon")
    status = serializers.CharField(source="spend.status")
    requested_at = serializers.DateTimeField(source="spend.requested_at")
    settled_at = serializers.DateTimeField(source="spend.settled_at", allow_null=True)
    requested_by = serializers.CharField()
    levels = serializers.SerializerMethodField(
        help_text="how the ε was split once spent: each level's ε, scale and 95 % margin"
    )

    def get_levels(self, line: LedgerLine) -> list[dict[str, Any]]:
        return list(line.spend.rules.get("levels", []))


class BudgetDetailSerializer(BudgetSerializer):
    ledger = LedgerLineSerializer(many=True)


class BudgetSetSerializer(serializers.Serializer):
    # Text, not a number: a float would round what the ledger counts to the thousandth.
    epsilon_total = serializers.CharField(max_length=20, help_text=EPSILON_HELP)


def _year(year: int) -> int:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise NotFound(f"Aucun budget de confidentialité pour l'année {year}.")
    return year


def _budget_body(status: BudgetStatus, request: Request) -> dict[str, Any]:
    ledger = privacy_ledger(access=request_access(request), year=status.year)
    return BudgetDetailSerializer(
        {**asdict(status), "remaining": status.remaining, "ledger": ledger}
    ).data


class PrivacyBudgetList(APIView):
    permission_classes = [NATIONAL]

    @extend_schema(
        responses=BudgetSerializer(many=True),
        summary="Yearly privacy budgets: ε total, spent, reserved and remaining",
    )
    def get(self, request: Request) -> Response:
        access = request_access(request)
        years = privacy_budget_years(access=access, today=timezone.localdate())
        statuses = privacy_budgets(access=access, years=years)
        return Response(
            BudgetSerializer(
                [{**asdict(s), "remaining": s.remaining} for s in statuses], many=True
            ).data
        )


class PrivacyBudgetDetail(APIView):
    permission_classes = [read_write(read=NATIONAL, write=national_roles(NATIONAL_OPERATOR_ONLY))]

    @extend_schema(
        responses=BudgetDetailSerializer,
        summary="A year's privacy budget and its ledger (one line per noisy release)",
    )
    def get(self, request: Request, year: int) -> Response:
        status = privacy_budget(access=request_access(request), year=_year(year))
        return Response(_budget_body(status, request))

    @extend_schema(
        request=BudgetSetSerializer,
        responses=BudgetDetailSerializer,
        summary="Set a year's privacy budget (national operator; never below what is committed)",
        examples=[OpenApiExample("Two", value={"epsilon_total": "2"})],
    )
    def put(self, request: Request, year: int) -> Response:
        serializer = BudgetSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = request_access(request)
        try:
            privacy_budget_set(
                year=_year(year),
                epsilon_total=serializer.validated_data["epsilon_total"],
                actor_id=access.user_id,
            )
        except PrivacyBudgetError as exc:
            raise ValidationError({"epsilon_total": [str(exc)]}) from exc
        return Response(_budget_body(privacy_budget(access=access, year=year), request))


class DpFigureSerializer(serializers.Serializer):
    level = serializers.CharField()
    code = serializers.CharField()
    indicator = serializers.CharField()
    dimension = serializers.CharField(help_text="empty for a total")
    category = serializers.CharField(help_text="empty for a total")
    value = serializers.IntegerField(help_text="noisy, clamped at 0: never an exact count")
    margin_95 = serializers.IntegerField(
        allow_null=True,
        help_text="half-width of the 95 % interval: value ± margin holds the true count 95 "
        "times in 100, from the exact discrete Laplace distribution of the level's scale",
    )
    low_95 = serializers.IntegerField(allow_null=True)
    high_95 = serializers.IntegerField(allow_null=True)


class DpReleaseSerializer(serializers.Serializer):
    release = serializers.IntegerField()
    epsilon = serializers.DecimalField(max_digits=6, decimal_places=3)
    budget_year = serializers.IntegerField()
    rules = serializers.JSONField(
        help_text="mechanism, each level's share of ε, each query's bound, scale, ε and margin"
    )
    figures = DpFigureSerializer(many=True)


class DpFigureList(APIView):
    permission_classes = [NATIONAL]

    @extend_schema(
        responses=DpReleaseSerializer,
        summary="A published release's differentially private figures, with the ε it spent",
    )
    def get(self, request: Request, pk: int) -> Response:
        release = published_release(release_id=pk)
        dp = dp_release(release=release) if release is not None else None
        if dp is None:
            raise NotFound("Cette publication n'a pas de chiffres bruités.")
        figures = [
            {
                "level": level,
                "code": code,
                "indicator": indicator,
                "dimension": dimension,
                "category": category,
                "value": noisy.value,
                "margin_95": noisy.margin,
                "low_95": noisy.low,
                "high_95": noisy.high,
            }
            for level, code, indicator, dimension, category, noisy in dp_figure_rows(dp=dp)
        ]
        return Response(
            DpReleaseSerializer(
                {
                    "release": dp.release.pk,
                    "epsilon": dp.epsilon,
                    "budget_year": dp.budget_year,
                    "rules": dp.spend.rules,
                    "figures": figures,
                }
            ).data
        )
