"""api/views/national.py: the départements' statuses and provisioning requests (national host)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from parcours.accounts.models import User
from parcours.audit.models import AuditEvent
from parcours.departements.models import Domain, Tenant, TenantStatus
from parcours.departements.tasks import provision_departement
from parcours.referentiel.models import Departement
from tests.conftest import People

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

STATUSES = "/api/v1/departements/"
PROVISION = "/api/v1/departements/provision/"


def _register_tenants_without_schema(codes: list[str]) -> None:
    """Tenant and domain rows only (no schema): enough for the national lists."""
    for ref in Departement.objects.select_related("region").filter(code__in=codes):
        tenant = Tenant(
            schema_name=Tenant.schema_name_for(ref.code),
            code=ref.code,
            name=ref.name,
            region=ref.region,
        )
        tenant.save()
        Domain.objects.create(
            domain=f"{ref.code.lower()}.localhost", tenant=tenant, is_primary=True
        )


def _provision_requests_after(last_id: int) -> list[AuditEvent]:
    with schema_context("public"):
        return list(
            AuditEvent.objects.filter(id__gt=last_id, action="departement.provision_requested")
        )


def _last_public_event_id() -> int:
    with schema_context("public"):
        return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- statuses -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["national_operator", "national_analyst"])
def test_statuses_list_the_101_departements_in_insee_order(login, role: str) -> None:
    response = login(role, None).get(STATUSES)

    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 101
    assert [r["code"] for r in rows[:2]] == ["01", "02"]
    assert rows[-1]["code"] == "976"
    by_code = {r["code"]: r for r in rows}
    assert {code for code, r in by_code.items() if r["status"] == "active"} == {"31", "75", "13"}
    assert {r["status"] for code, r in by_code.items() if code not in {"31", "75", "13"}} == {
        "not_provisioned"
    }


def test_statuses_give_host_and_labels(login) -> None:
    by_code = {r["code"]: r for r in login("national_analyst", None).get(STATUSES).json()}

    assert by_code["31"]["host"] == "31.localhost"
    assert by_code["31"]["name"] == "Haute-Garonne"
    assert by_code["31"]["region"] == "Occitanie"
    assert by_code["31"]["status_label"] == "Active"
    assert by_code["31"]["provisioned_at"]
    assert by_code["2A"] | {"region": None} == {
        "code": "2A",
        "name": "Corse-du-Sud",
        "region": None,
        "status": "not_provisioned",
        "status_label": "Non provisionné",
        "host": None,
        "provisioned_at": None,
    }


def test_statuses_show_a_suspended_departement(login) -> None:
    Tenant.objects.filter(code="13").update(status=TenantStatus.SUSPENDED)

    by_code = {r["code"]: r for r in login("national_operator", None).get(STATUSES).json()}

    assert (by_code["13"]["status"], by_code["13"]["status_label"]) == ("suspended", "Suspendue")


def test_statuses_cost_a_constant_number_of_queries(login, django_assert_num_queries) -> None:
    client = login("national_operator", None)
    with CaptureQueriesContext(connection) as three_tenants:
        assert client.get(STATUSES).status_code == 200
    assert len(three_tenants) <= 9  # the 101 reference rows, tenants, provisionings under way

    _register_tenants_without_schema(["01", "2A", "971", "976"])

    with django_assert_num_queries(len(three_tenants)):
        rows = client.get(STATUSES).json()
    assert sum(r["status"] == "active" for r in rows) == 7


# --- provisioning requests ----------------------------------------------------------------


@pytest.mark.parametrize("codes", [["99"], ["2A", "975"], ["31", "zz"]])
def test_provision_with_an_unknown_code_is_refused_whole(
    login, django_capture_on_commit_callbacks, codes: list[str]
) -> None:
    last = _last_public_event_id()
    tenants = Tenant.objects.count()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = login("national_operator", None).post(
            PROVISION, {"codes": codes}, content_type="application/json"
        )

    assert response.status_code == 400
    [message] = response.json()["error"]["fields"]["codes"]
    unknown = [c.upper() for c in codes if c.upper() not in {"2A", "31"}]
    assert message == "Code(s) de département inconnu(s) : " + ", ".join(unknown)
    assert callbacks == []
    assert _provision_requests_after(last) == []
    assert Tenant.objects.count() == tenants


@pytest.mark.parametrize(
    "body", [{"codes": []}, {"codes": [" "]}, {}], ids=["empty", "blank", "none"]
)
def test_provision_without_a_code_is_refused(login, body: dict[str, list[str]]) -> None:
    response = login("national_operator", None).post(
        PROVISION, body, content_type="application/json"
    )

    assert response.status_code == 400
    assert "codes" in response.json()["error"]["fields"]


def test_provision_is_refused_to_the_national_analyst(
    login, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = login("national_analyst", None).post(
            PROVISION, {"codes": ["2A"]}, content_type="application/json"
        )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert callbacks == []


def test_provision_queues_one_task_per_code_on_commit(
    login, django_capture_on_commit_callbacks
) -> None:
    operator = User.objects.get(email=People.email("national_operator", None))
    last = _last_public_event_id()

    with mock.patch.object(provision_departement, "apply_async") as apply_async:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = login("national_operator", None).post(
                PROVISION, {"codes": ["2a", " 971 ", "2A"]}, content_type="application/json"
            )
        assert apply_async.call_count == 0  # nothing leaves before the commit
        assert not Tenant.objects.filter(code__in=["2A", "971"]).exists()

        for callback in callbacks:
            callback()

    assert response.status_code == 202
    assert response.json() == {"queued": ["2A", "971"]}
    assert apply_async.call_args_list == [
        mock.call(kwargs={"code": "2A", "actor_id": operator.pk}),
        mock.call(kwargs={"code": "971", "actor_id": operator.pk}),
    ]
    events = _provision_requests_after(last)
    assert [(e.object_id, e.actor_id) for e in events] == [
        ("2A", operator.pk),
        ("971", operator.pk),
    ]


def test_provision_task_is_sent_from_the_public_schema(
    login, django_capture_on_commit_callbacks
) -> None:
    seen_schemas = []
    with mock.patch.object(
        provision_departement,
        "apply_async",
        side_effect=lambda **_: seen_schemas.append(connection.schema_name),
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            login("national_operator", None).post(
                PROVISION, {"codes": ["2A"]}, content_type="application/json"
            )
        connection.set_tenant(Tenant.objects.get(code="31"))  # wherever the connection is now
        callbacks[0]()

    assert seen_schemas == ["public"]
