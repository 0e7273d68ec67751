"""Writes on accounts and memberships; each one owns its transaction and audit event."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_tenants.utils import schema_context

from parcours.accounts.mfa import METHODS, mfa_required_for
from parcours.accounts.models import NATIONAL_ROLES, ApiToken, Membership, Role, User
from parcours.accounts.throttle import (
    CounterUnavailable,
    client_address,
    identifier_digest,
    login_attempt_count,
    login_failures_forget,
    login_unlocked,
)
from parcours.accounts.unlock import login_unlock_offer
from parcours.associations.models import Association
from parcours.audit.services import audit_record
from parcours.departements.models import Tenant
from parcours.errors import NotAllowed

INVALID_LOGIN = "Adresse électronique ou mot de passe incorrect."


class SignInRefused(Exception):
    """A refused sign-in, with the message to show; `throttled` when refused unchecked."""

    def __init__(self, message: str, *, throttled: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.throttled = throttled


def password_sign_in(*, request: HttpRequest, email: str, password: str) -> User:
    """Check an e-mail and password for the page and the API alike; every outcome is audited.

    Raises SignInRefused with the same message for an unknown account and a wrong password,
    and refuses without checking once the identifier has failed too often from this address,
    or from everywhere (accounts/throttle.py); the second refusal offers the unlock link.
    """
    host = request.get_host()
    address = client_address(request)
    try:
        attempt = login_attempt_count(
            identifier=email, address=address, unlocked=login_unlocked(request, identifier=email)
        )
    except CounterUnavailable as exc:
        raise SignInRefused(
            "La connexion est momentanément indisponible : réessayez dans quelques instants.",
            throttled=True,
        ) from exc
    if not attempt.allowed:
        if attempt.first_refusal:
            _login_audit(
                action="auth.login_throttled",
                identifier=email,
                host=host,
                scope="account" if attempt.refused_account_wide else "address",
            )
        minutes = max(1, settings.LOGIN_FAILURE_WINDOW // 60)
        message = (
            "Trop de tentatives de connexion avec cette adresse : "
            f"réessayez dans {minutes} minutes au plus."
        )
        if attempt.refused_account_wide:
            # Said whether or not an account exists: the link goes only to a real one.
            login_unlock_offer(request=request, email=email)
            message += (
                " Si cette adresse correspond à un compte, un lien pour le débloquer "
                "depuis votre navigateur vient d'y être envoyé."
            )
        raise SignInRefused(message, throttled=True)
    user = authenticate(request, username=email.strip().lower(), password=password)
    if user is None:
        login_failure_record(identifier=email, host=host, failures=attempt.pair)
        raise SignInRefused(INVALID_LOGIN)
    login_failures_forget(identifier=email, address=address)
    login_success_record(user=user, host=host)
    return user


def _login_audit(*, action: str, identifier: str, host: str, **data: object) -> None:
    user_id = (
        User.objects.filter(email__iexact=identifier.strip()).values_list("pk", flat=True).first()
    )
    with schema_context("public"), transaction.atomic():
        audit_record(
            action=action,
            actor_id=None,
            object_type="user" if user_id else "",
            object_id=user_id or "",
            data={"identifier_digest": identifier_digest(identifier), "host": host, **data},
        )


def login_failure_record(*, identifier: str, host: str, failures: int = 1) -> None:
    """Audit a failed sign-in in the national trail (accounts are national)."""
    _login_audit(action="auth.login_failed", identifier=identifier, host=host, failures=failures)


def login_success_record(*, user: User, host: str) -> None:
    with schema_context("public"), transaction.atomic():
        audit_record(
            action="auth.login",
            actor_id=user.pk,
            object_type="user",
            object_id=user.pk,
            data={"host": host},
        )


def handoff_record(*, user: User, host: str) -> None:
    with schema_context("public"), transaction.atomic():
        audit_record(
            action="auth.handoff",
            actor_id=user.pk,
            object_type="user",
            object_id=user.pk,
            data={"host": host},
        )


def user_create(
    *, email: str, first_name: str, last_name: str, password: str | None, actor_id: int | None
) -> User:
    with schema_context("public"), transaction.atomic():
        user = User.objects.create_user(
            email=email, password=password, first_name=first_name, last_name=last_name
        )
        audit_record(
            action="user.created", actor_id=actor_id, object_type="user", object_id=user.pk
        )
        return user


def membership_grant(
    *,
    user: User,
    role: Role,
    tenant: Tenant | None,
    association: Association | None = None,
    actor_id: int | None,
) -> Membership:
    """Give `user` a role in a département (or nationally); idempotent."""
    if (role in NATIONAL_ROLES) != (tenant is None):
        raise ValueError("Un rôle national n'a pas de département ; un rôle local en exige un.")
    if (role == Role.ASSOCIATION_WORKER) != (association is not None):
        raise ValueError("Seuls les intervenants d'association sont rattachés à une association.")
    with schema_context("public"), transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, tenant=tenant, role=role, defaults={"association": association}
        )
        if created:
            audit_record(
                action="membership.granted",
                actor_id=actor_id,
                object_type="membership",
                object_id=membership.pk,
                data={
                    "user_id": user.pk,
                    "role": role.value,
                    "tenant": tenant.code if tenant else None,
                    "association_id": association.pk if association else None,
                },
            )
        return membership


class SecondFactorMissing(NotAllowed):
    default_reason = (
        "Ce compte exige un second facteur : joignez au mot de passe le code de votre "
        "application d'authentification ou un code de secours (champ `otp`)."
    )


def api_token_issue(*, user: User, second_factor: str) -> tuple[ApiToken, str]:
    """A new API token for `user`: the key is returned once, only its digest is kept.

    `second_factor` is the method that proved the second factor of this request (a code
    checked by accounts.mfa, or the verified session asking): an account that needs one gets
    no token without it, and the token remembers it (see ApiToken.second_factor).
    """
    if second_factor not in METHODS and mfa_required_for(user=user):
        raise SecondFactorMissing
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    with schema_context("public"), transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            key_digest=api_token_digest(key),
            prefix=key[:8],
            password_digest=user.get_session_auth_hash(),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.API_TOKEN_TTL_SECONDS),
            second_factor=second_factor if second_factor in METHODS else "",
        )
        audit_record(
            action="api_token.issued",
            actor_id=user.pk,
            object_type="api_token",
            object_id=token.pk,
            data={
                "expires_at": token.expires_at.isoformat(),
                "second_factor": token.second_factor,
            },
        )
    return token, key


def api_token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_revoke(*, user_id: int, token_id: int, reason: str = "by_owner") -> bool:
    """Revoke one of the person's own tokens; False if they hold no such live token."""
    with schema_context("public"), transaction.atomic():
        revoked = ApiToken.objects.filter(
            pk=token_id, user_id=user_id, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if revoked:
            audit_record(
                action="api_token.revoked",
                actor_id=user_id,
                object_type="api_token",
                object_id=token_id,
                data={"reason": reason},
            )
    return bool(revoked)
