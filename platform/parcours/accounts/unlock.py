"""The link that lets an agent past the account-wide sign-in limit (accounts/throttle.py).

When strangers spread over many addresses have filled an account's counter, the agent would be
refused too. The refusal mails the account a signed link, valid `LOGIN_UNLOCK_MAX_AGE` seconds
and once: opening it (and confirming, so that a mail scanner fetching the link spends nothing)
forgets the account's counters and marks this browser's session as allowed past the account-wide
limit for that identifier. The limit per address still applies to the agent's own attempts, and
the password is still checked. The mail is sent at most once per window and per account
(an attacker could otherwise flood the agent's mailbox), and only to an existing, active
account; the page's answer is the same either way.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django_tenants.utils import schema_context

from parcours.accounts.models import User
from parcours.accounts.throttle import (
    UNLOCK_SESSION_KEY,
    client_address,
    identifier_digest,
    login_failures_forget,
)
from parcours.audit.services import audit_record

SALT = "parcours.accounts.unlock"
# The page of frontend/urls.py that receives the link (the platform cannot import it).
UNLOCK_PATH = "/connexion/debloquer/"


def login_unlock_token(*, user: User) -> str:
    return signing.dumps(
        {"u": user.pk, "n": secrets.token_urlsafe(12), "a": user.get_session_auth_hash()},
        salt=SALT,
    )


def login_unlock_offer(*, request: HttpRequest, email: str) -> bool:
    """Mail the unlock link to the account `email` names, if any (at most once per window)."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    mailed = f"login-unlock-mailed:{identifier_digest(email)}"
    if not caches["global"].add(mailed, 1, timeout=settings.LOGIN_FAILURE_WINDOW):
        return False
    link = request.build_absolute_uri(f"{UNLOCK_PATH}?jeton={login_unlock_token(user=user)}")
    minutes = max(1, settings.LOGIN_UNLOCK_MAX_AGE // 60)
    send_mail(
        "Parcours : débloquer votre connexion",
        "Bonjour,\n\n"
        "De nombreuses tentatives de connexion ont échoué avec votre adresse, depuis "
        "plusieurs endroits : la connexion à votre compte est suspendue pour un moment.\n\n"
        "Si c'est vous qui souhaitez vous connecter, ouvrez ce lien dans votre navigateur "
        f"(valable {minutes} minutes, une seule fois) :\n{link}\n\n"
        "Si ce n'est pas vous, ne faites rien et prévenez votre référent sécurité : "
        "quelqu'un essaie de deviner votre mot de passe.\n",
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )
    with schema_context("public"), transaction.atomic():
        audit_record(
            action="auth.unlock_mailed",
            actor_id=None,
            object_type="user",
            object_id=user.pk,
            data={"host": request.get_host()},
        )
    return True


def _payload(token: str) -> dict[str, Any] | None:
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.LOGIN_UNLOCK_MAX_AGE)
    except signing.BadSignature:
        return None
    return payload if isinstance(payload, dict) else None


def login_unlock_peek(*, token: str) -> User | None:
    """The account the link would unlock, without spending it (the page asks first)."""
    payload = _payload(token)
    if payload is None or not isinstance(payload.get("u"), int):
        return None
    user = User.objects.filter(pk=payload["u"], is_active=True).first()
    if user is None or user.get_session_auth_hash() != payload.get("a"):
        return None
    return user


def login_unlock_consume(*, request: HttpRequest, token: str) -> User | None:
    """Spend the link: this browser may pass the account-wide limit; None if it is not valid
    (forged, expired, already used, or the password changed since)."""
    user = login_unlock_peek(token=token)
    payload = _payload(token)
    if user is None or payload is None:
        return None
    used = f"login-unlock-used:{payload.get('n')}"
    if not caches["global"].add(used, 1, timeout=settings.LOGIN_UNLOCK_MAX_AGE + 60):
        return None
    login_failures_forget(identifier=user.email, address=client_address(request))
    request.session[UNLOCK_SESSION_KEY] = identifier_digest(user.email)
    with schema_context("public"), transaction.atomic():
        audit_record(
            action="auth.unlocked",
            actor_id=user.pk,
            object_type="user",
            object_id=user.pk,
            data={"host": request.get_host()},
        )
    return user
