"""api/views/national_oversight.py: today's status of the commissions, its refresh, and the
oversight of a published release (national host)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parcours.reporting.models import CommissionStatus
from tests.conftest import client_for
from tests.parcours.reporting.guards import no_departement_schema
from tests.parcours.reporting.oversight_factories import up_to_date

COMMISSIONS = "/api/v1/statistics/commissions/"
REFRESH = "/api/v1/statistics/commissions/refresh/"
RELEASES = "/api/v1/statistics/releases/"


@pytest.fixture
def statuses(db: None, base: None) -> None:
    CommissionStatus.objects.bulk_create(
        [
            up_to_date("75"),
            up_to_date("13", files_overdue=4),
            up_to_date("31", colleges_without_titular=["police_judiciaire"]),
        ]
    )


@pytest.mark.parametrize("role", ["national_analyst", "national_operator"])
def test_today_s_status_lists_those_to_handle_first_with_their_reasons(
    login, statuses, role: str
) -> None:
    response = login(role, None).get(COMMISSIONS)
    assert response.status_code == 200
    rows = response.json()
    assert [row["code"] for row in rows] == ["31", "13", "75"]
    here = rows[0]
    assert here["to_handle"] is True
    assert here["reasons"] == [{"severity": 2, "text": "Collège vacant : Police judiciaire"}]
    assert here["colleges_missing"] == ["Police judiciaire"]
    assert here["computed_on"] == "2026-06-15"
    assert here["sessions_minimum"] == 2 and here["sessions_due"] == 0
    assert rows[1]["reasons"][0]["text"] == "4 dossiers hors délai"
    assert rows[2]["to_handle"] is False and rows[2]["reasons"] == []


def test_a_departement_not_computed_yet_is_served_with_empty_facts(login) -> None:
    rows = login("national_analyst", None).get(COMMISSIONS).json()
    assert len(rows) == 3
    assert all(row["computed_on"] is None and row["seats"] is None for row in rows)
    assert rows[0]["reasons"] == [{"severity": 4, "text": "Situation non calculée"}]


def test_today_s_status_reads_no_departement_schema_in_constant_queries(
    login, statuses, monkeypatch
) -> None:
    from parcours.referentiel.models import Departement

    client = login("national_analyst", None)
    client.get(COMMISSIONS)  # the connection's first national request sets its role
    with no_departement_schema(monkeypatch), CaptureQueriesContext(connection) as few:
        assert client.get(COMMISSIONS).status_code == 200
    CommissionStatus.objects.bulk_create(
        [
            up_to_date(code)
            for code in Departement.objects.exclude(code__in=["31", "13", "75"]).values_list(
                "code", flat=True
            )
        ]
    )
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(COMMISSIONS).json()) == 101
    assert len(many) == len(few)


def test_the_operator_asks_every_departement_to_recompute(
    login, statuses, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    from parcours.audit.models import AuditEvent
    from tenants.statistics import tasks

    sent: list[str] = []
    monkeypatch.setattr(
        tasks.refresh_commission_status,
        "apply_async",
        lambda **kwargs: sent.append(connection.schema_name),
    )
    client = login("national_operator", None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REFRESH)
    assert response.status_code == 202
    assert response.json() == {"departements": 3}
    assert sorted(sent) == ["dep_13", "dep_31", "dep_75"]
    event = AuditEvent.objects.get(action="reporting.commission_status_refresh")
    assert event.actor_id is not None


def test_the_analyst_reads_but_may_not_refresh(login, statuses) -> None:
    client = login("national_analyst", None)
    assert client.post(REFRESH).status_code == 403
    assert client.get(REFRESH).status_code == 405


@pytest.mark.parametrize("role", ["coordinator", "prefet", "association_worker"])
@pytest.mark.parametrize("path", [COMMISSIONS, REFRESH])
def test_departement_roles_are_refused(statuses, role: str, path: str) -> None:
    client = client_for(role, "31", on=None)
    assert client.get(path).status_code in {403, 404}
    assert client.post(path).status_code in {403, 404}


def test_the_schema_documents_the_oversight_routes(login) -> None:
    response = client_for(None, None, on=None).get("/api/v1/schema/")
    assert b"/api/v1/statistics/commissions/" in response.content
    assert b"/api/v1/statistics/commissions/refresh/" in response.content


# A published release: the facts as on its day.


def test_the_oversight_of_a_release_lists_each_commission_where_to_act_first(
    login, release_2024
) -> None:
    client = login("national_operator", None)
    url = f"{RELEASES}{release_2024.pk}/oversight/"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    rows = response.json()
    assert [row["code"] for row in rows] == ["13", "31", "75"]
    here = rows[1]
    assert here["titulars"] == 0 and here["needs_attention"] is True
    assert here["seats"] == 11 and here["seats_filled"] == 0
    assert "Gendarmerie nationale" in here["colleges_missing"]
    assert here["sessions_minimum"] is None  # no yearly minimum before 2026
    # The same queries whatever the number of départements (three here).
    assert len(queries) <= 12


def test_the_oversight_of_an_unknown_release_is_a_404_in_the_error_format(login) -> None:
    response = login("national_analyst", None).get(f"{RELEASES}999999/oversight/")
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404
