"""The second factor of sign-in: TOTP and single-use recovery codes (django-otp's devices).

Who must have one: every role that reads identities (coordination, préfet, association worker,
DPO) and the national operator, who can reset anyone's. The others may enrol; once they have a
device, their sign-in asks for it too. A password alone is then only half a sign-in: until the
second factor is given, `permissions.access_for` grants no role at all (the one place where
every page and endpoint asks), so a stolen password reads no identity.

The state of a sign-in lives in its session, under `SESSION_KEY`, as the name of the method that
proved it ("totp", "static", or "proconnect" when the identity provider's `acr` proves one).
This key is the contract with the ProConnect sign-in, which sets it itself. A handoff to another
host carries it (accounts/handoff.py). An API token remembers the method it was issued after
(ApiToken.second_factor): tokens are issued only after a second factor, never instead of one.

Codes are checked by django-otp, which throttles each device after a failure (the delay doubles
with each failure) and refuses a TOTP code already used (no replay within its window).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context

from parcours.accounts.models import ApiToken, Membership, Role, User
from parcours.audit.services import audit_record
from parcours.errors import DomainError

SESSION_KEY = "parcours_second_factor"
# Set at the password step for an account that has a device without needing one (optional
# MFA): its session then waits for the second factor like a mandatory one.
PENDING_KEY = "parcours_second_factor_pending"
METHODS = frozenset({"totp", "static", "proconnect"})
MFA_ROLES = frozenset(
    {Role.COORDINATOR, Role.PREFET, Role.ASSOCIATION_WORKER, Role.DPO, Role.NATIONAL_OPERATOR}
)
RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Application d'authentification"
STATIC_DEVICE_NAME = "Codes de secours"


class SecondFactorError(DomainError):
    """A second factor refused (wrong, reused or throttled code; nothing to enrol)."""


class _HasSession(Protocol):
    session: Any


def mfa_required(memberships: Iterable[Membership]) -> bool:
    """Whether these (active) memberships oblige their holder to a second factor."""
    return any(m.role in MFA_ROLES for m in memberships)


def mfa_required_for(*, user: User) -> bool:
    return mfa_required(Membership.objects.filter(user_id=user.pk, is_active=True).only("role"))


def second_factor_done(request: Any) -> bool:
    """Whether this request's sign-in has its second factor (session or API token)."""
    token = getattr(request, "auth", None)
    if isinstance(token, ApiToken):
        return token.second_factor in METHODS
    session = getattr(request, "session", None)
    return session is not None and session.get(SESSION_KEY) in METHODS


def second_factor_expected(request: Any) -> bool:
    """Whether the sign-in said it waits for a second factor (optional MFA, see PENDING_KEY)."""
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(PENDING_KEY))


def second_factor_mark(request: _HasSession, *, method: str) -> None:
    """Record in the session that its sign-in proved a second factor by `method`."""
    if method not in METHODS:
        raise ValueError(f"unknown second factor {method!r}")
    request.session[SESSION_KEY] = method
    request.session.pop(PENDING_KEY, None)


def second_factor_forget(request: _HasSession, *, expected: bool) -> None:
    """A new password sign-in starts without a second factor (and says if it waits for one)."""
    request.session.pop(SESSION_KEY, None)
    if expected:
        request.session[PENDING_KEY] = True
    else:
        request.session.pop(PENDING_KEY, None)


def second_factor_method(request: Any) -> str:
    """The method of the request's second factor, or "" (handoffs and tokens carry it)."""
    token = getattr(request, "auth", None)
    if isinstance(token, ApiToken):
        return token.second_factor
    session = getattr(request, "session", None)
    value = session.get(SESSION_KEY) if session is not None else None
    return value if value in METHODS else ""


# --- Devices ----------------------------------------------------------------------------


def totp_device_of(*, user: User, confirmed: bool = True) -> TOTPDevice | None:
    with schema_context("public"):
        return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def has_device(*, user: User) -> bool:
    with schema_context("public"):
        return (
            TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            or StaticToken.objects.filter(device__user=user, device__confirmed=True).exists()
        )


def totp_secret(device: TOTPDevice) -> str:
    """The key as authenticator applications take it when typed (base32, no padding)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_uri(device: TOTPDevice) -> str:
    """The otpauth:// URI of the device (what the QR code holds)."""
    return str(device.config_url)


def totp_qr_svg(device: TOTPDevice) -> str:
    """The QR code of the device as inline SVG, drawn here: the key goes to no image service."""
    import segno

    qr = segno.make(totp_uri(device), error="m")
    return str(qr.svg_inline(scale=4, dark="#000091", light="#ffffff", title="Code QR"))


def second_factor_verify(*, user: User, code: str) -> str:
    """Check a TOTP or recovery code of `user`; the method that proved it, or SecondFactorError.

    A recovery code is spent by its use (django-otp deletes it) and its use is audited: the
    person is told how many remain, and a use they did not make shows in the trail.
    """
    typed = "".join(code.split()).lower()
    if not typed or len(typed) > 32:
        raise SecondFactorError("Saisissez le code à 6 chiffres ou un code de secours.")
    # The device's row is locked while its code is checked: two requests with the same
    # recovery code (or TOTP code) cannot both be accepted.
    with schema_context("public"), transaction.atomic():
        if typed.isdigit():
            devices: list[TOTPDevice | StaticDevice] = list(
                TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
            )
        else:
            devices = list(
                StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
            )
        for device in devices:
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                raise SecondFactorError(
                    "Trop d'essais avec un code erroné : patientez quelques secondes puis "
                    "réessayez."
                )
            if device.verify_token(
                recovery_digest(typed) if isinstance(device, StaticDevice) else typed
            ):
                if isinstance(device, StaticDevice):
                    _recovery_code_used(user=user, device=device)
                    return "static"
                return "totp"
    raise SecondFactorError("Code incorrect ou déjà utilisé.")


def _recovery_code_used(*, user: User, device: StaticDevice) -> None:
    audit_record(
        action="mfa.recovery_code_used",
        actor_id=user.pk,
        object_type="user",
        object_id=user.pk,
        data={"remaining": device.token_set.count()},
    )


def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """The unconfirmed device of an enrolment under way (the same one on each reload)."""
    with schema_context("public"), transaction.atomic():
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise SecondFactorError("Une application d'authentification est déjà enregistrée.")
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        return device or TOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, confirmed=False
        )


def totp_enrolment_confirm(*, user: User, code: str) -> list[str]:
    """Confirm the enrolment with a first code; returns the new recovery codes (shown once)."""
    with schema_context("public"), transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise SecondFactorError("Aucune inscription en cours : rechargez la page.")
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            raise SecondFactorError("Trop d'essais : patientez quelques secondes puis réessayez.")
        if not device.verify_token("".join(code.split())):
            raise SecondFactorError("Code incorrect : vérifiez l'heure de votre téléphone.")
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _recovery_codes_replace(user=user)
        audit_record(
            action="mfa.enrolled",
            actor_id=user.pk,
            object_type="user",
            object_id=user.pk,
            data={"method": "totp", "recovery_codes": len(codes)},
        )
    return codes


def _recovery_codes_replace(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=STATIC_DEVICE_NAME, confirmed=True)
    # 10 lowercase base32 characters: 50 bits each, typed once and then dead.
    codes = [
        base64.b32encode(secrets.token_bytes(10)).decode().lower()[:10]
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=recovery_digest(c)) for c in codes]
    )
    return codes


def recovery_digest(code: str) -> str:
    """What is stored of a recovery code: a keyed digest, never the code (django-otp keeps the
    static tokens it is given as they are; a copy of the table would hand out second factors).
    Keyed by the platform's SECRET_KEY, so a stolen table cannot be tested offline without it;
    16 hexadecimal characters, the width of django-otp's column (64 bits, against codes of 50)."""
    key = hashlib.sha256(b"parcours:recovery-code:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()[:16]


def mfa_reset(*, user: User, actor_id: int, reason: str) -> int:
    """The national operator removes an agent's second factor (lost phone): the next sign-in
    enrols again. The agent's API tokens die with it. Returns the devices removed."""
    reason = reason.strip()
    if not reason:
        raise SecondFactorError("Indiquez le motif de la réinitialisation.")
    with schema_context("public"), transaction.atomic():
        removed_totp, _ = TOTPDevice.objects.filter(user=user).delete()
        removed_static = StaticDevice.objects.filter(user=user).count()
        StaticDevice.objects.filter(user=user).delete()
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        audit_record(
            action="mfa.reset",
            actor_id=actor_id,
            object_type="user",
            object_id=user.pk,
            data={"reason": reason[:500], "devices": removed_totp + removed_static},
        )
    return int(removed_totp + removed_static)


def totp_enrol_demo(*, user: User) -> TOTPDevice:
    """The demo account's TOTP device, created once with a fresh key; idempotent.

    Only the development seeding calls it, and prints the key beside the password so that a
    person or an API client can compute the codes: the demo signs in like production, with no
    bypass. A real agent's key is drawn by the enrolment page and leaves the server once.
    """
    with schema_context("public"), transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
        if device is not None:
            return device
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
        audit_record(
            action="mfa.enrolled",
            actor_id=None,
            object_type="user",
            object_id=user.pk,
            data={"method": "totp", "demo": True},
        )
    return device
