"""api/views/tenant.py: a département's summary, on its own host, for its own people."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from parcours.accounts.models import Role, User
from parcours.accounts.services import membership_grant
from parcours.associations.models import Association
from parcours.referentiel.models import Departement
from tenants.agrements.models import Agrement, AgrementStatus

# Each request is one transaction (ATOMIC_REQUESTS): inside a test's transaction, a savepoint
# and its release.
REQUEST_SAVEPOINT = 2

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

SUMMARY = "/api/v1/departement/"
TENANT_ROLES = ["prefet", "coordinator", "member", "dpo", "association_worker"]


@pytest.mark.parametrize("role", TENANT_ROLES)
def test_summary_answers_every_role_of_the_departement(login, role: str) -> None:
    response = login(role, "31").get(SUMMARY)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "code",
        "name",
        "region",
        "your_roles",
        "people_by_role",
        "agrements_in_force",
    }
    assert (body["code"], body["name"], body["region"]) == ("31", "Haute-Garonne", "Occitanie")
    assert body["your_roles"] == [role]
    assert body["people_by_role"] == {r: 1 for r in TENANT_ROLES}
    assert isinstance(body["agrements_in_force"], int)


@pytest.mark.parametrize("role", ["prefet", "coordinator", "member", "dpo"])
def test_summary_counts_every_approval_in_force_for_the_commission(login, role: str) -> None:
    assert login(role, "31").get(SUMMARY).json()["agrements_in_force"] == 2


def test_summary_of_an_association_worker_counts_only_their_association(login) -> None:
    assert login("association_worker", "31").get(SUMMARY).json()["agrements_in_force"] == 1


def test_summary_lists_every_role_of_the_person_here(login, tenant31) -> None:
    member = User.objects.get(email="member.31@test.parcours")
    membership_grant(user=member, role=Role.DPO, tenant=tenant31, actor_id=None)
    # The DPO reads identities: a second factor is due, given with an authenticator.
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=member, confirmed=True, name="Téléphone")

    body = login("member", "31").get(SUMMARY).json()

    assert body["your_roles"] == ["dpo", "member"]
    assert body["people_by_role"]["dpo"] == 2


def test_summary_counts_only_approvals_in_force(login, tenant31) -> None:
    association = Association.objects.create(
        name="Association C",
        rna="W313000100",
        head_office_departement=Departement.objects.get(code="31"),
        declared_on=dt.date(2012, 1, 1),
    )
    today = timezone.localdate()
    with schema_context(tenant31.schema_name):
        Agrement.objects.create(
            association=association,
            status=AgrementStatus.APPROVED,
            requested_on=today,
            valid_from=today - dt.timedelta(days=3 * 365),
            valid_until=today,  # ended today
        )
        Agrement.objects.create(
            association=association,
            status=AgrementStatus.REQUESTED,
            requested_on=today,
        )

    assert login("coordinator", "31").get(SUMMARY).json()["agrements_in_force"] == 2


@pytest.mark.parametrize("role", ["coordinator", "association_worker"])
def test_summary_costs_a_bounded_and_constant_number_of_queries(
    login, tenant31, role: str, django_assert_max_num_queries, django_assert_num_queries
) -> None:
    client = login(role, "31")
    with django_assert_max_num_queries(8 + REQUEST_SAVEPOINT):
        assert client.get(SUMMARY).status_code == 200
    connection.set_schema_to_public()  # as after the writes below: both requests re-issue SET
    with CaptureQueriesContext(connection) as warm:
        client.get(SUMMARY)

    # More people and more approvals: the same queries.
    association = Association.objects.get(rna="W313000099")
    for n in range(3):
        user = User.objects.create_user(email=f"extra{n}@test.parcours", password=None)
        membership_grant(user=user, role=Role.MEMBER, tenant=tenant31, actor_id=None)
    with schema_context(tenant31.schema_name):
        for _ in range(3):
            Agrement.objects.create(
                association=association,
                status=AgrementStatus.APPROVED,
                requested_on=timezone.localdate(),
                valid_from=timezone.localdate(),
                valid_until=timezone.localdate() + dt.timedelta(days=30),
            )

    connection.set_schema_to_public()
    with django_assert_num_queries(len(warm)):
        body = client.get(SUMMARY).json()
    assert body["people_by_role"]["member"] == 4
    assert body["agrements_in_force"] >= 4
