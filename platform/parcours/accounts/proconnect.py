"""ProConnect: the State agents' sign-in through the State's OpenID Connect federation.

Who may use it. ProConnect vouches for an agent of the State (préfecture, DDETS, ministries,
police, gendarmerie, education), never for an association's worker: associations keep their
password and second factor. A sign-in through ProConnect therefore opens an EXISTING account
only, found by the e-mail address the provider says it verified, and only if that account
holds at least one active role other than association worker. Nothing is ever created from
the provider's claims: a stranger with a valid State identity still has no account here.

What is checked, and where.
- The authorization request carries a fresh `state`, `nonce` and PKCE verifier, kept in the
  session of the national host (the one registered callback address); the callback pops the
  state, so a replayed or forged callback finds nothing and is refused.
- The ID token must be RS256, signed by a key the provider publishes (JWKS from discovery),
  issued by the discovered issuer, for our client id, not expired, and carry our nonce
  (mozilla-django-oidc does the exchange; `ProConnectBackend` tightens its checks).
- The provider's `acr` tells how the agent proved who they are. When it is one of
  PROCONNECT_SECOND_FACTOR_ACR the session is marked as having passed a second factor
  (`parcours_second_factor` = "proconnect", the key the MFA pages read); otherwise Parcours
  asks for its own second factor like for a password sign-in.
- Sign-out is propagated: the ID token is remembered (shared cache, per account, for the
  session's lifetime) so that signing out on any host sends the browser to the provider's
  `end_session_endpoint` with `id_token_hint`; the `state` of that request is checked when the
  provider sends the browser back.

Every outcome is audited in the national trail: `auth.proconnect_login` with the acr, and
`auth.proconnect_refused` with the reason and a digest of the address (never the address).

Configuration (settings.py, from the environment): PROCONNECT_CLIENT_ID, _CLIENT_SECRET,
_DISCOVERY_URL, _SCOPES, _ACR_VALUES, _SECOND_FACTOR_ACR, _EMAIL_VERIFIED_REQUIRED, _TIMEOUT.
Without a client id and a discovery URL ProConnect is off and its button is not shown.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import login
from django.core.cache import caches
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import HttpRequest
from django_tenants.utils import schema_context
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import generate_code_challenge

from parcours.accounts.backends import user_of_session
from parcours.accounts.mfa import (
    SESSION_KEY,
    has_device,
    mfa_required_for,
    second_factor_forget,
    second_factor_mark,
)
from parcours.accounts.middleware import session_bind_host
from parcours.accounts.models import Role, User
from parcours.accounts.permissions import access_forget
from parcours.accounts.throttle import identifier_digest
from parcours.audit.services import audit_record

BACKEND = "parcours.accounts.proconnect.ProConnectBackend"
SECOND_FACTOR_KEY = SESSION_KEY  # where accounts/mfa.py records the session's second factor
SECOND_FACTOR_METHOD = "proconnect"
STATES_KEY = "proconnect_states"
MAX_PENDING_STATES = 5
STATE_MAX_AGE_SECONDS = 600
LOGOUT_STATE_SECONDS = 600
DISCOVERY_MAX_AGE_SECONDS = 3600
SIGN_ALGORITHM = "RS256"

REFUSALS = {
    "state": "Ce retour de ProConnect n'est pas attendu (lien expiré, déjà utilisé ou ouvert "
    "dans un autre navigateur). Recommencez la connexion.",
    "provider_error": "ProConnect n'a pas authentifié la personne. Recommencez la connexion.",
    "unavailable": "ProConnect ne répond pas pour le moment. Réessayez plus tard ou connectez-vous "
    "avec votre mot de passe.",
    "token": "La réponse de ProConnect n'a pas pu être vérifiée : la connexion est refusée.",
    "email_unverified": "ProConnect ne garantit pas votre adresse électronique : la connexion est "
    "refusée.",
    "unknown_account": "Aucun compte Parcours ne correspond à votre adresse électronique. "
    "Demandez à la coordination de votre département (ou à l'opérateur national) de vous en créer un.",
    "not_state_agent": "ProConnect est réservé aux agents de l'État. Les intervenants "
    "d'association se connectent avec leur mot de passe.",
}


class ProConnectRefused(Exception):
    """A refused ProConnect sign-in: `reason` is one of REFUSALS, `message` is shown."""

    def __init__(self, reason: str, *, identifier: str = "") -> None:
        self.reason = reason
        self.identifier = identifier
        self.message = REFUSALS[reason]
        super().__init__(reason)


@dataclass(frozen=True)
class Provider:
    """What discovery says of the provider, with our client's own settings."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class SignIn:
    user: User
    acr: str
    second_factor: bool
    id_token: str


def proconnect_enabled() -> bool:
    return bool(settings.PROCONNECT_CLIENT_ID and settings.PROCONNECT_DISCOVERY_URL)


_discovered: dict[str, tuple[float, dict[str, Any]]] = {}


def provider_configuration() -> Provider:
    """The provider's endpoints from its discovery document, fetched at most once an hour."""
    if not proconnect_enabled():
        raise ProConnectRefused("unavailable")
    url = settings.PROCONNECT_DISCOVERY_URL
    cached = _discovered.get(url)
    if cached is not None and time.monotonic() - cached[0] < DISCOVERY_MAX_AGE_SECONDS:
        document = cached[1]
    else:
        try:
            response = requests.get(url, timeout=settings.PROCONNECT_TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            raise ProConnectRefused("unavailable") from error
        if not isinstance(document, dict):
            raise ProConnectRefused("unavailable")
        _discovered[url] = (time.monotonic(), document)
    try:
        return Provider(
            issuer=str(document["issuer"]),
            authorization_endpoint=str(document["authorization_endpoint"]),
            token_endpoint=str(document["token_endpoint"]),
            userinfo_endpoint=str(document["userinfo_endpoint"]),
            jwks_uri=str(document["jwks_uri"]),
            end_session_endpoint=str(document.get("end_session_endpoint", "")),
            client_id=settings.PROCONNECT_CLIENT_ID,
            client_secret=settings.PROCONNECT_CLIENT_SECRET,
        )
    except KeyError as error:
        raise ProConnectRefused("unavailable") from error


def proconnect_authorization_url(*, request: HttpRequest, redirect_uri: str) -> str:
    """Start a sign-in: remember a fresh state, nonce and PKCE verifier; the provider's URL."""
    provider = provider_configuration()
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    pending = request.session.get(STATES_KEY)
    pending = pending if isinstance(pending, dict) else {}
    now = time.time()
    # A few sign-ins may be pending (several tabs); older ones are forgotten.
    kept = sorted(
        (item for item in pending.items() if now - item[1].get("at", 0) < STATE_MAX_AGE_SECONDS),
        key=lambda item: item[1].get("at", 0),
    )[-(MAX_PENDING_STATES - 1) :]
    request.session[STATES_KEY] = {
        **dict(kept),
        state: {"nonce": nonce, "verifier": verifier, "redirect_uri": redirect_uri, "at": now},
    }
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": settings.PROCONNECT_SCOPES,
        "state": state,
        "nonce": nonce,
        "acr_values": settings.PROCONNECT_ACR_VALUES,
        "code_challenge": generate_code_challenge(verifier, "S256"),
        "code_challenge_method": "S256",
    }
    return f"{provider.authorization_endpoint}?{urlencode(params)}"


class ProConnectBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code flow, with ProConnect's rules.

    Django builds every backend for every password sign-in, so nothing is read from the
    configuration here, and `authenticate` answers only the ProConnect callback (it needs the
    `proconnect_nonce` only `proconnect_sign_in` gives). Refusals raise ProConnectRefused.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.UserModel = User
        self.signed_in: SignIn | None = None

    def get_settings(self, attr: str, *args: Any) -> Any:
        # The library's settings, answered from ours: no OIDC_* setting exists in Parcours.
        own = {
            # Only reversed by the library: the address used is the one the request carried.
            "OIDC_AUTHENTICATION_CALLBACK_URL": "proconnect:callback",
            "OIDC_RP_SCOPES": settings.PROCONNECT_SCOPES,
            "OIDC_USE_NONCE": True,
            "OIDC_VERIFY_SSL": True,
            "OIDC_TIMEOUT": settings.PROCONNECT_TIMEOUT,
            "OIDC_PROXY": None,
            "OIDC_CREATE_USER": False,
            "OIDC_ALLOW_UNSECURED_JWT": False,
            "OIDC_TOKEN_USE_BASIC_AUTH": False,
            "OIDC_STORE_ACCESS_TOKEN": False,
            "OIDC_STORE_ID_TOKEN": False,
        }
        if attr in own:
            return own[attr]
        if args:
            return args[0]
        raise SuspiciousOperation(f"ProConnect: unexpected setting {attr}")

    def authenticate(
        self,
        request: HttpRequest | None,
        proconnect_nonce: str | None = None,
        proconnect_verifier: str | None = None,
        proconnect_redirect_uri: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if request is None or proconnect_nonce is None or proconnect_redirect_uri is None:
            return None  # a password sign-in: not ours
        self.provider = provider_configuration()
        self.redirect_uri = proconnect_redirect_uri
        self.OIDC_OP_TOKEN_ENDPOINT = self.provider.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = self.provider.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = self.provider.jwks_uri
        self.OIDC_RP_CLIENT_ID = self.provider.client_id
        self.OIDC_RP_CLIENT_SECRET = self.provider.client_secret
        self.OIDC_RP_SIGN_ALGO = SIGN_ALGORITHM
        self.OIDC_RP_IDP_SIGN_KEY = None
        try:
            user = super().authenticate(
                request, nonce=proconnect_nonce, code_verifier=proconnect_verifier
            )
        except (requests.ConnectionError, requests.Timeout) as error:
            raise ProConnectRefused("unavailable") from error
        except requests.RequestException as error:  # the provider refused the exchange
            raise ProConnectRefused("token") from error
        except (SuspiciousOperation, jwt.PyJWTError, KeyError, ValueError, TypeError) as error:
            raise ProConnectRefused("token") from error
        return user

    def get_token(self, payload: dict[str, Any]) -> dict[str, Any]:
        # The library derives redirect_uri from a URL name; ours is the one of the request.
        payload["redirect_uri"] = self.redirect_uri
        token_info = super().get_token(payload)
        if not isinstance(token_info, dict) or not isinstance(token_info.get("id_token"), str):
            raise SuspiciousOperation("no ID token")
        return token_info

    def _verify_jws(self, payload: str, key: Any) -> dict[str, Any]:
        # Stricter than the library: the algorithm is ours, and the issuer, the audience and
        # an expiry are required (the library skips the audience and the issuer).
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != SIGN_ALGORITHM:
            raise SuspiciousOperation("unexpected signing algorithm")
        decoded: dict[str, Any] = jwt.decode(
            payload,
            key,
            algorithms=[SIGN_ALGORITHM],
            audience=self.provider.client_id,
            issuer=self.provider.issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
        return decoded

    def get_userinfo(self, access_token: str, id_token: str, payload: Any) -> Any:
        # ProConnect answers userinfo as a signed JWT: same key, issuer and audience as the ID
        # token, but it carries no expiry of its own (it is read right after the exchange).
        response = requests.get(
            self.OIDC_OP_USER_ENDPOINT,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=settings.PROCONNECT_TIMEOUT,
        )
        response.raise_for_status()
        if not response.headers.get("content-type", "").lower().startswith("application/jwt"):
            return response.json()
        return jwt.decode(
            response.text,
            self.retrieve_matching_jwk(response.text),
            algorithms=[SIGN_ALGORITHM],
            audience=self.provider.client_id,
            issuer=self.provider.issuer,
            options={"require": ["iss", "aud", "sub"]},
        )

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> User | None:
        claims = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(claims, dict) or claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo is about someone else")
        email = str(claims.get("email") or payload.get("email") or "").strip().lower()
        verified = claims.get("email_verified", payload.get("email_verified"))
        if settings.PROCONNECT_EMAIL_VERIFIED_REQUIRED and verified is not True:
            raise ProConnectRefused("email_unverified", identifier=email)
        user = state_agent_for(email=email)
        acr = str(payload.get("acr") or "")
        self.signed_in = SignIn(
            user=user,
            acr=acr,
            second_factor=acr in settings.PROCONNECT_SECOND_FACTOR_ACR.split(),
            id_token=id_token,
        )
        return user

    def get_user(self, user_id: int) -> User | None:
        return user_of_session(self, user_id)


def state_agent_for(*, email: str) -> User:
    """The existing, active account of this address, if it holds a role of a State agent."""
    if not email:
        raise ProConnectRefused("unknown_account")
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        raise ProConnectRefused("unknown_account", identifier=email)
    roles = set(user.memberships.filter(is_active=True).values_list("role", flat=True))
    if not roles - {Role.ASSOCIATION_WORKER.value}:
        raise ProConnectRefused("not_state_agent", identifier=email)
    return user


def proconnect_sign_in(*, request: HttpRequest) -> SignIn:
    """Finish a sign-in on the callback: check the state, exchange the code, open the session.

    Raises ProConnectRefused (audited) for anything but a verified State agent's account.
    """
    host = request.get_host()
    try:
        signed_in = _signed_in(request)
    except ProConnectRefused as refused:
        _audit(
            action="auth.proconnect_refused",
            user=None,
            data={
                "reason": refused.reason,
                "host": host,
                "identifier_digest": identifier_digest(refused.identifier)
                if refused.identifier
                else "",
            },
        )
        raise
    login(request, signed_in.user, backend=BACKEND)
    session_bind_host(request)
    # A new sign-in starts without a second factor; the provider's acr may prove one.
    second_factor_forget(
        request, expected=mfa_required_for(user=signed_in.user) or has_device(user=signed_in.user)
    )
    if signed_in.second_factor:
        second_factor_mark(request, method=SECOND_FACTOR_METHOD)
    access_forget(request)  # a permission check earlier in the request saw another sign-in
    # Kept across hosts (a sign-out may happen on a département's host) for the session's life.
    caches["global"].set(
        _id_token_key(signed_in.user.pk), signed_in.id_token, settings.SESSION_COOKIE_AGE
    )
    _audit(
        action="auth.proconnect_login",
        user=signed_in.user,
        data={"host": host, "acr": signed_in.acr, "second_factor": signed_in.second_factor},
    )
    return signed_in


def _signed_in(request: HttpRequest) -> SignIn:
    state = request.GET.get("state", "")
    pending = request.session.get(STATES_KEY)
    pending = pending if isinstance(pending, dict) else {}
    expected = pending.pop(state, None) if state else None
    request.session[STATES_KEY] = pending  # a state serves once, even when refused below
    if not isinstance(expected, dict) or not all(
        isinstance(expected.get(field), str) for field in ("nonce", "verifier", "redirect_uri")
    ):
        raise ProConnectRefused("state")
    started = expected.get("at")
    if not isinstance(started, int | float) or time.time() - started > STATE_MAX_AGE_SECONDS:
        raise ProConnectRefused("state")
    if request.GET.get("error") or not request.GET.get("code"):
        raise ProConnectRefused("provider_error")
    backend = ProConnectBackend()
    user = backend.authenticate(
        request,
        proconnect_nonce=expected["nonce"],
        proconnect_verifier=expected["verifier"],
        proconnect_redirect_uri=expected["redirect_uri"],
    )
    if user is None or backend.signed_in is None:
        raise ProConnectRefused("token")
    return backend.signed_in


def proconnect_logout_url(*, request: HttpRequest, return_uri: str) -> str | None:
    """Where to send the browser after Parcours' own sign-out: the provider's end of session
    when this account signed in through ProConnect, else None. Call it before `logout`."""
    user = request.user
    if not proconnect_enabled() or not user.is_authenticated:
        return None
    id_token = caches["global"].get(_id_token_key(user.pk))
    if not id_token:
        return None
    caches["global"].delete(_id_token_key(user.pk))
    try:
        provider = provider_configuration()
    except ProConnectRefused:
        return None
    if not provider.end_session_endpoint:
        return None
    state = secrets.token_urlsafe(32)
    caches["global"].set(_logout_state_key(state), user.pk, LOGOUT_STATE_SECONDS)
    _audit(action="auth.proconnect_logout", user=user, data={"host": request.get_host()})
    params = {"id_token_hint": id_token, "post_logout_redirect_uri": return_uri, "state": state}
    return f"{provider.end_session_endpoint}?{urlencode(params)}"


def proconnect_logout_returned(*, state: str) -> bool:
    """True once for the state of a sign-out this platform asked the provider for."""
    if not state or len(state) > 128:
        return False
    key = _logout_state_key(state)
    known = caches["global"].get(key) is not None
    caches["global"].delete(key)
    return known


def _id_token_key(user_id: int) -> str:
    return f"proconnect:id_token:{user_id}"


def _logout_state_key(state: str) -> str:
    return f"proconnect:logout:{hashlib.sha256(state.encode()).hexdigest()}"


def _audit(*, action: str, user: User | None, data: dict[str, Any]) -> None:
    with schema_context("public"), transaction.atomic():
        audit_record(
            action=action,
            actor_id=user.pk if user else None,
            object_type="user" if user else "",
            object_id=user.pk if user else "",
            data=data,
        )
