from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import Open, SignedIn, request_access
from api.serializers import (
    MembershipSerializer,
    MeSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from parcours.accounts.services import SignInRefused, password_sign_in


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
        summary="Exchange an e-mail and password for an API token",
        examples=[
            OpenApiExample("Request", value={"email": "a@b.fr", "password": "…"}, request_only=True)
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
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
