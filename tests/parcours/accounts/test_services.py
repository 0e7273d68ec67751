"""parcours/accounts/services.py: memberships, their invariants, and the sign-in trail."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from parcours.accounts.models import Membership, Role, User
from parcours.accounts.services import (
    login_failure_record,
    membership_grant,
    user_create,
)
from parcours.associations.models import Association
from parcours.audit.models import AuditEvent
from parcours.departements.models import Tenant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

ACTOR = 4242


@pytest.fixture
def person() -> User:
    return User.objects.create_user(email="nouvelle.personne@test.parcours", password=None)


@pytest.fixture
def association_a() -> Association:
    return Association.objects.get(rna="W313000099")


def _grants_of(membership: Membership) -> list[AuditEvent]:
    with schema_context("public"):
        return list(
            AuditEvent.objects.filter(
                action="membership.granted", object_type="membership", object_id=str(membership.pk)
            )
        )


@pytest.mark.parametrize(
    ("role", "code", "with_association"),
    [
        (Role.COORDINATOR, "31", False),
        (Role.ASSOCIATION_WORKER, "31", True),
        (Role.NATIONAL_ANALYST, None, False),
    ],
)
def test_grant_is_idempotent_and_audited_once(
    person: User, association_a: Association, role: Role, code: str | None, with_association: bool
) -> None:
    tenant = Tenant.objects.get(code=code) if code else None
    kwargs: dict[str, Any] = {
        "user": person,
        "role": role,
        "tenant": tenant,
        "association": association_a if with_association else None,
        "actor_id": ACTOR,
    }

    first = membership_grant(**kwargs)
    second = membership_grant(**kwargs)

    assert first.pk == second.pk
    assert Membership.objects.filter(user=person).count() == 1
    [event] = _grants_of(first)
    assert event.actor_id == ACTOR
    assert event.data == {
        "user_id": person.pk,
        "role": role.value,
        "tenant": code,
        "association_id": association_a.pk if with_association else None,
    }


def test_grant_is_audited_in_public_even_from_a_departement_schema(
    person: User, tenant31: Tenant
) -> None:
    with schema_context(tenant31.schema_name):
        before = AuditEvent.objects.count()
        membership = membership_grant(
            user=person, role=Role.MEMBER, tenant=tenant31, actor_id=ACTOR
        )
        assert AuditEvent.objects.count() == before

    assert len(_grants_of(membership)) == 1


def test_a_person_may_hold_roles_in_several_departements(person: User) -> None:
    for code in ("31", "13"):
        membership_grant(
            user=person, role=Role.MEMBER, tenant=Tenant.objects.get(code=code), actor_id=None
        )

    assert sorted(m.tenant.code for m in person.memberships.select_related("tenant")) == [
        "13",
        "31",
    ]


@pytest.mark.parametrize(
    ("role", "code", "with_association", "message"),
    [
        (Role.NATIONAL_OPERATOR, "31", False, "Un rôle national n'a pas de département"),
        (Role.NATIONAL_ANALYST, "31", False, "Un rôle national n'a pas de département"),
        (Role.COORDINATOR, None, False, "un rôle local en exige un"),
        (Role.ASSOCIATION_WORKER, "31", False, "Seuls les intervenants d'association"),
        (Role.MEMBER, "31", True, "Seuls les intervenants d'association"),
    ],
    ids=[
        "national-operator-with-tenant",
        "national-analyst-with-tenant",
        "local-role-without-tenant",
        "worker-without-association",
        "member-with-association",
    ],
)
def test_grant_refuses_an_inconsistent_membership(
    person: User,
    association_a: Association,
    role: Role,
    code: str | None,
    with_association: bool,
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        membership_grant(
            user=person,
            role=role,
            tenant=Tenant.objects.get(code=code) if code else None,
            association=association_a if with_association else None,
            actor_id=ACTOR,
        )

    assert not Membership.objects.filter(user=person).exists()


@pytest.mark.parametrize(
    ("role", "code", "with_association", "constraint"),
    [
        (Role.NATIONAL_OPERATOR, "31", False, "membership_national_roles_have_no_tenant"),
        (Role.COORDINATOR, None, False, "membership_national_roles_have_no_tenant"),
        (Role.ASSOCIATION_WORKER, "31", False, "membership_association_only_for_workers"),
        (Role.MEMBER, "31", True, "membership_association_only_for_workers"),
    ],
)
def test_database_refuses_an_inconsistent_membership(
    person: User,
    association_a: Association,
    role: Role,
    code: str | None,
    with_association: bool,
    constraint: str,
) -> None:
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Membership.objects.create(
            user=person,
            role=role,
            tenant=Tenant.objects.get(code=code) if code else None,
            association=association_a if with_association else None,
        )

    assert not Membership.objects.filter(user=person).exists()


@pytest.mark.parametrize("code", ["31", None])
def test_database_refuses_the_same_role_twice_in_one_place(person: User, code: str | None) -> None:
    tenant = Tenant.objects.get(code=code) if code else None
    role = Role.MEMBER if code else Role.NATIONAL_ANALYST
    Membership.objects.create(user=person, role=role, tenant=tenant)

    with (
        pytest.raises(IntegrityError, match="membership_one_role_per_tenant"),
        transaction.atomic(),
    ):
        Membership.objects.create(user=person, role=role, tenant=tenant)


def test_user_create_lowercases_the_email_and_audits() -> None:
    user = user_create(
        email="Camille.Martin@Example.ORG",
        first_name="Camille",
        last_name="Martin",
        password="un mot de passe assez long",
        actor_id=ACTOR,
    )

    assert user.email == "camille.martin@example.org"
    assert user.check_password("un mot de passe assez long")
    with schema_context("public"):
        event = AuditEvent.objects.get(action="user.created", object_id=str(user.pk))
    assert event.actor_id == ACTOR
    assert "camille" not in str(event.data).lower()


@pytest.mark.parametrize("identifier", ["Inconnu@Example.org", "coordinator.31@test.parcours"])
def test_login_failure_keeps_a_digest_never_the_identifier(identifier: str) -> None:
    with schema_context("public"):
        last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    login_failure_record(identifier=identifier, host="localhost")
    login_failure_record(identifier=f"  {identifier.upper()} ", host="localhost")

    with schema_context("public"):
        first, second = AuditEvent.objects.filter(id__gt=last).order_by("id")
    assert first.data["identifier_digest"] == second.data["identifier_digest"]
    for event in (first, second):
        assert identifier.lower() not in repr(vars(event)).lower()
        assert identifier.split("@")[0].lower() not in repr(vars(event)).lower()
