"""Writes on accounts and memberships; each one owns its transaction and audit event."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django_tenants.utils import schema_context

from parcours.accounts.models import NATIONAL_ROLES, Membership, Role, User
from parcours.associations.models import Association
from parcours.departements.models import Tenant
from tenants.audit.services import audit_record


def _identifier_digest(identifier: str) -> str:
    # The typed identifier may be a mistyped password: keep a digest, never the text.
    return hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:16]


def login_failure_record(*, identifier: str, host: str) -> None:
    """Audit a failed sign-in in the national trail (accounts are national)."""
    user_id = (
        User.objects.filter(email__iexact=identifier.strip()).values_list("pk", flat=True).first()
    )
    with schema_context("public"), transaction.atomic():
        audit_record(
            action="auth.login_failed",
            actor_id=None,
            object_type="user" if user_id else "",
            object_id=user_id or "",
            data={"identifier_digest": _identifier_digest(identifier), "host": host},
        )


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
