from __future__ import annotations

from django.contrib.auth import get_user
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import Open, SignedIn, national_roles, request_access
from api.serializers import (
    MembershipSerializer,
    MeSerializer,
    MfaResetRequestSerializer,
    MfaResetSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from parcours.accounts.mfa import (
    SecondFactorError,
    mfa_reset,
    second_factor_method,
    second_factor_verify,
)
from parcours.accounts.models import ApiToken, User
from parcours.accounts.permissions import NATIONAL_OPERATOR_ONLY
from parcours.accounts.selectors import api_tokens_live
from parcours.accounts.services import (
    SignInRefused,
    api_token_issue,
    api_token_revoke,
    password_sign_in,
)


class MeView(APIView):
    permission_classes = [SignedIn]

    @extend_schema(responses=MeSerializer, summary="The signed-in person and their memberships")
    def get(self, request: Request) -> Response:
        access = request_access(request)
        data = MeSerializer(request.user, context={"memberships": access.memberships}).data
        return Response(data)


class MyMembershipsView(APIView):
    permission_classes = [SignedIn]

    @extend_schema(responses=MembershipSerializer(many=True), summary="My memberships")
    def get(self, request: Request) -> Response:
        access = request_access(request)
        return Response(MembershipSerializer(access.memberships, many=True).data)


class TokenView(APIView):
    # Served outside the request's transaction (urls_common): its refusals are audited.
    atomic_request = False
    permission_classes = [Open]
    authentication_classes: list[type] = []
    throttle_scope = "token"

    def get_authenticate_header(self, request: Request) -> str:
        return "Token"

    @extend_schema(
        request=TokenRequestSerializer,
        responses=TokenSerializer,
        summary="Exchange an e-mail, a password and the second factor for an API token",
        description=(
            "Accounts whose role reads identities must add `otp`: the current code of their "
            "authenticator application (TOTP, RFC 6238, 6 digits, 30 s) or one of their "
            "recovery codes (each works once). The token is then valid as a signed-in "
            "session with its second factor. A request from a browser session that already "
            "gave its second factor needs no `otp`. A wrong or reused code is refused with "
            "400 and the account's codes are throttled after failures."
        ),
        examples=[
            OpenApiExample(
                "Request",
                value={"email": "a@b.fr", "password": "…", "otp": "123456"},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = password_sign_in(
                request=request._request,
                email=serializer.validated_data["email"],
                password=serializer.validated_data["password"],
            )
        except SignInRefused as refused:
            if refused.throttled:
                raise exceptions.Throttled(detail=refused.message) from refused
            raise exceptions.AuthenticationFailed(refused.message) from refused
        code = serializer.validated_data.get("otp", "")
        token, key = api_token_issue(
            user=user, second_factor=_second_factor(request, user=user, code=code)
        )
        return Response({"token": key, "expires_at": token.expires_at})


def _second_factor(request: Request, *, user: User, code: str) -> str:
    """The second factor of a token request: its `otp`, or the browser session's own."""
    if code.strip():
        try:
            return second_factor_verify(user=user, code=code)
        except SecondFactorError as refused:
            raise exceptions.ValidationError({"otp": refused.reasons}) from refused
    # DRF put an anonymous user on the request (this view authenticates nobody): the browser
    # session, if any, is read as the sign-in pages left it.
    session_user = get_user(request._request)
    if session_user.is_authenticated and session_user.pk == user.pk:
        return second_factor_method(request._request)
    return ""


class MfaResetView(APIView):
    """The national operator removes an agent's second factor (lost phone); audited."""

    permission_classes = [national_roles(NATIONAL_OPERATOR_ONLY)]

    @extend_schema(
        request=MfaResetRequestSerializer,
        responses=MfaResetSerializer,
        summary="Reset an agent's second factor (national operator; audited with its reason)",
    )
    def post(self, request: Request) -> Response:
        serializer = MfaResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"]
        agent = User.objects.filter(email__iexact=email).first()
        if agent is None:
            raise exceptions.NotFound("Aucun compte n'a cette adresse.")
        removed = mfa_reset(
            user=agent,
            actor_id=request_access(request).user_id or 0,
            reason=serializer.validated_data["reason"],
        )
        return Response({"email": agent.email, "devices_removed": removed})


class ApiTokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField()


def _token_row(token: ApiToken, request: Request) -> dict[str, object]:
    """What its holder sees of a token: never the key, which is shown once when issued."""
    current = isinstance(request.auth, ApiToken) and request.auth.pk == token.pk
    return {
        "id": token.pk,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "current": current,
    }


class MyTokensView(APIView):
    permission_classes = [SignedIn]

    @extend_schema(
        responses=ApiTokenSerializer(many=True),
        summary="My live API tokens (the key itself is shown only when issued)",
    )
    def get(self, request: Request) -> Response:
        user_id = request_access(request).user_id or 0
        rows = [_token_row(token, request) for token in api_tokens_live(user_id=user_id)]
        return Response(ApiTokenSerializer(rows, many=True).data)


class MyTokenRevoke(APIView):
    permission_classes = [SignedIn]

    @extend_schema(responses=ApiTokenSerializer, summary="One of my live API tokens")
    def get(self, request: Request, pk: int) -> Response:
        user_id = request_access(request).user_id or 0
        token = next((t for t in api_tokens_live(user_id=user_id) if t.pk == pk), None)
        if token is None:
            raise exceptions.NotFound
        return Response(ApiTokenSerializer(_token_row(token, request)).data)

    @extend_schema(responses={204: None}, summary="Revoke one of my API tokens")
    def delete(self, request: Request, pk: int) -> Response:
        if not api_token_revoke(user_id=request_access(request).user_id or 0, token_id=pk):
            raise exceptions.NotFound
        return Response(status=204)
