"""API tokens (accounts.ApiToken): `Authorization: Token <key>`, checked on every request.

A token is refused once expired or revoked, once the password it was issued under has
changed, and once its person holds no role anywhere (the last membership ended): a token must
not outlive the reasons it was given for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from parcours.accounts.models import ApiToken, Membership
from parcours.accounts.services import api_token_digest

# Writing the last use at most this often: not one UPDATE per request.
LAST_USE_PRECISION = dt.timedelta(minutes=5)
REFUSED = "Jeton invalide, expiré ou révoqué : demandez-en un nouveau."


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        now = timezone.now()
        with schema_context("public"):
            token = (
                ApiToken.objects.select_related("user")
                .filter(key_digest=api_token_digest(key))
                .first()
            )
            if token is None or not token.is_live(now=now) or not token.user.is_active:
                raise exceptions.AuthenticationFailed(REFUSED)
            user = token.user
            # Decided afresh on each request (nothing to write, so nothing a refused request's
            # rollback could undo): a changed password or no role left refuses it for good.
            if user.get_session_auth_hash() != token.password_digest or not (
                Membership.objects.filter(user_id=user.pk, is_active=True).exists()
            ):
                raise exceptions.AuthenticationFailed(REFUSED)
            if token.last_used_at is None or now - token.last_used_at > LAST_USE_PRECISION:
                ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return user, token
