"""Routing by host: the right schema, no redundant SET search_path, and safe after rollbacks."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from parcours.departements.middleware import select_schema
from parcours.departements.models import Tenant, TenantStatus
from parcours.departements.routing import forget_hosts, tenant_for_host


def _current_schema() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


def test_hosts_map_to_their_departement(base: None, db: None) -> None:
    assert tenant_for_host("31.localhost").code == "31"
    assert tenant_for_host("2a.localhost") is None
    assert tenant_for_host("evil.31.localhost") is None


def test_a_second_request_to_the_same_departement_sets_no_search_path(login) -> None:  # type: ignore[no-untyped-def]
    client = login("coordinator", "31")
    client.get("/healthz")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/healthz").status_code == 200
    assert not [q for q in queries if q["sql"].upper().startswith("SET SEARCH_PATH")]


def test_switching_departement_sets_the_search_path(base: None, db: None) -> None:
    Client(HTTP_HOST="31.localhost").get("/healthz")
    with CaptureQueriesContext(connection) as queries:
        Client(HTTP_HOST="75.localhost").get("/healthz")
    assert [q for q in queries if "dep_75" in q["sql"] and "search_path" in q["sql"]]
    assert _current_schema() == "dep_75"


def test_search_path_is_reissued_after_a_savepoint_rollback(base: None, db: None) -> None:
    """django-tenants #1262: a SET inside a rolled-back savepoint must not be trusted after it."""
    select_schema(Tenant.objects.get(code="31"))
    assert _current_schema() == "dep_31"
    with pytest.raises(RuntimeError), transaction.atomic():
        select_schema(Tenant.objects.get(code="75"))
        assert _current_schema() == "dep_75"
        raise RuntimeError
    # The savepoint rollback reverted PostgreSQL's search_path to dep_31, while the connection
    # still thinks it is on dep_75: the next cursor must issue SET again.
    assert connection.schema_name == "dep_75"
    assert _current_schema() == "dep_75"


def test_an_unknown_host_gets_a_clear_404_page(base: None, db: None) -> None:
    response = Client(HTTP_HOST="99.localhost").get("/")
    assert response.status_code == 404
    assert "Adresse inconnue" in response.content.decode()


def test_a_suspended_departement_is_not_served(base: None, db: None) -> None:
    Tenant.objects.filter(code="13").update(status=TenantStatus.SUSPENDED)
    forget_hosts()
    response = Client(HTTP_HOST="13.localhost").get("/")
    assert response.status_code == 404
    assert "suspendu" in response.content.decode()


def test_a_host_outside_the_base_domain_is_refused(base: None, db: None) -> None:
    assert Client(HTTP_HOST="31.example.org").get("/").status_code == 400
