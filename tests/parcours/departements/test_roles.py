"""PostgreSQL itself refuses a département's request, or a national one, that reaches into another
département's schema: the requests and tasks run under roles (departements/roles.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from parcours.db import confined, connection
from parcours.db_backend.base import ROLE_NAME_LIMIT, role_name, role_prefix
from parcours.departements.roles import (
    NATIONAL_ONLY,
    TENANT_PUBLIC_GRANTS,
    role_of,
    schema_drop,
    tenant_role_ensure,
)

INSUFFICIENT_PRIVILEGE = "42501"
URLS = "tests.parcours.departements.roles_urls"


@pytest.fixture
def raw_sql_view(settings: Any, base: None, db: None) -> None:
    settings.ROOT_URLCONF = URLS
    settings.PUBLIC_SCHEMA_URLCONF = URLS


def _run(host: str, sql: str) -> dict[str, Any]:
    response = Client(HTTP_HOST=host).get("/raw-sql/", {"sql": sql})
    assert response.status_code == 200
    return response.json()


def _owner_reads(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return int(cursor.fetchone()[0])


OTHER_SCHEMA = 'SELECT count(*) FROM "dep_75".audit_auditevent'


def test_a_departement_request_cannot_read_another_departement_schema(raw_sql_view: None) -> None:
    own = _run("31.localhost", "SELECT count(*) FROM audit_auditevent")
    # The view reached PostgreSQL under 31's role, and that role reads its own schema.
    assert own["user"] == role_of("dep_31")
    assert own["schema"] == "dep_31"
    assert "rows" in own

    other = _run("31.localhost", OTHER_SCHEMA)
    assert other["user"] == role_of("dep_31")
    assert other["error"] == INSUFFICIENT_PRIVILEGE
    assert "permission denied for schema dep_75" in other["message"]
    # The owner, asked for the very same statement, reads it: the refusal is the role's.
    assert _owner_reads(OTHER_SCHEMA) >= 0


def test_a_national_request_cannot_read_any_departement_schema(raw_sql_view: None) -> None:
    national = _run("localhost", OTHER_SCHEMA)
    assert national["user"] == role_of("public")
    assert national["schema"] == "public"
    assert national["error"] == INSUFFICIENT_PRIVILEGE
    assert "permission denied for schema dep_75" in national["message"]
    # ... while the public schema is its own.
    assert "rows" in _run("localhost", "SELECT count(*) FROM departements_tenant")


def test_a_departement_reads_national_tables_only_as_granted(raw_sql_view: None) -> None:
    assert "rows" in _run("31.localhost", "SELECT count(*) FROM referentiel_departement")
    write = _run("31.localhost", "UPDATE referentiel_departement SET name = name")
    assert write["error"] == INSUFFICIENT_PRIVILEGE
    staged = _run("31.localhost", "SELECT count(*) FROM reporting_privacyspend")
    assert staged["error"] == INSUFFICIENT_PRIVILEGE


def test_the_audit_trail_refuses_a_rewrite_by_privilege_too(raw_sql_view: None) -> None:
    """The trigger already refuses; the role has no UPDATE or DELETE on the trail at all."""
    for host in ("31.localhost", "localhost"):
        answer = _run(host, "DELETE FROM audit_auditevent WHERE false")
        assert answer["error"] == INSUFFICIENT_PRIVILEGE
        assert "permission denied for table audit_auditevent" in answer["message"]


def test_after_the_request_the_connection_is_the_owner_again(raw_sql_view: None) -> None:
    _run("31.localhost", "SELECT 1")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user = session_user")
        assert cursor.fetchone()[0] is True
    assert connection.confined_to is None


def test_the_role_goes_with_the_search_path_in_one_statement(tenant31: Any) -> None:
    from django.test.utils import CaptureQueriesContext

    connection.set_schema_to_public()
    with CaptureQueriesContext(connection) as queries, confined("dep_31"):
        connection.set_tenant(tenant31)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == role_of("dep_31")
    sets = [q["sql"] for q in queries if q["sql"].startswith("SET search_path")]
    assert sets == [f'SET search_path = "dep_31","public"; SET ROLE "{role_of("dep_31")}"']


def test_a_role_that_cannot_be_set_stops_the_query(tenant31: Any) -> None:
    """Never silently run as the owner: a missing role is an error, not a fallback."""
    from django.db import DatabaseError

    with (
        schema_context("dep_nowhere"),
        confined("dep_nowhere"),
        pytest.raises(DatabaseError),
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT 1")


def test_a_departement_task_runs_under_its_role(tenant31: Any) -> None:
    from celery import shared_task

    @shared_task(name="tests.roles.whoami")
    def whoami() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_schema()")
            return list(cursor.fetchone())

    with schema_context("dep_31"):
        result = whoami.apply().get()
    assert result == [role_of("dep_31"), "dep_31"]
    assert connection.confined_to is None


def test_role_names_are_unique_per_database_and_fit_postgresql() -> None:
    names = {
        role_name(database=database, schema_name=schema)
        for database in ("parcours", "Parcours", "test_parcours_gw0", "test_parcours_gw1", "x" * 63)
        for schema in ("public", "dep_31", "dep_2a", "dep_976")
    }
    assert len(names) == 20
    assert all(len(name) <= ROLE_NAME_LIMIT for name in names)
    assert all(name.replace("_", "").isalnum() and name == name.lower() for name in names)
    assert role_prefix("parcours") == "parcours"
    assert role_prefix("Parcours") != role_prefix("parcours")


def test_every_public_table_is_granted_to_departements_or_kept_national(db: None) -> None:
    """A new national table is a decision: what a département may do with it, if anything."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = {row[0] for row in cursor.fetchall()}
    undecided = tables - set(TENANT_PUBLIC_GRANTS) - NATIONAL_ONLY
    assert not undecided, f"list them in departements/roles.py: {sorted(undecided)}"


def test_a_dropped_schema_takes_its_role_along(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "dep_zz"')
    role = tenant_role_ensure(schema_name="dep_zz")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        assert cursor.fetchone()
    schema_drop(schema_name="dep_zz")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        assert cursor.fetchone() is None


# Rows of national tables that belong to one département -------------------------------------

OF_75 = "(SELECT id FROM departements_tenant WHERE code = '75')"


def _statuses(*codes: str) -> None:
    from django.utils import timezone

    from parcours.reporting.models import CommissionStatus

    for code in codes:
        CommissionStatus.objects.create(
            departement=code, computed_at=timezone.now(), computed_on=timezone.localdate()
        )


def test_a_departement_neither_reads_nor_writes_another_departement_rows(
    raw_sql_view: None,
) -> None:
    _statuses("31", "75")
    count_75 = "SELECT count(*) FROM reporting_commissionstatus WHERE departement = '75'"

    assert _run("31.localhost", count_75)["rows"] == [[0]]
    assert _run("31.localhost", "SELECT departement FROM reporting_commissionstatus")["rows"] == [
        ["31"]
    ]
    rewrite = (
        "UPDATE reporting_commissionstatus SET seats = 99 WHERE departement = '75' RETURNING id"
    )
    assert _run("31.localhost", rewrite)["rows"] == []
    forged = _run(
        "31.localhost",
        "INSERT INTO reporting_stagingcount (release_id, departement, indicator, dimension, "
        "category, value) SELECT id, '75', 'persons', '', '', 1 FROM reporting_release LIMIT 1 "
        "RETURNING id",
    )
    assert forged.get("rows") in (None, [])  # refused, or no release to forge against
    if "error" in forged:
        assert forged["error"] == INSUFFICIENT_PRIVILEGE
        assert "row-level security" in forged["message"]
    own = "UPDATE reporting_commissionstatus SET seats = 7 WHERE departement = '31' RETURNING seats"
    assert _run("31.localhost", own)["rows"] == [[7]]
    # The national role and the owner see every département's row.
    assert _run("localhost", "SELECT count(*) FROM reporting_commissionstatus")["rows"] == [[2]]
    assert _owner_reads(count_75) == 1


def test_a_departement_reads_memberships_elsewhere_but_changes_only_its_own(
    raw_sql_view: None,
) -> None:
    elsewhere = f"SELECT count(*) FROM accounts_membership WHERE tenant_id = {OF_75}"
    before = _owner_reads(elsewhere)
    assert before > 0

    # A person's spaces in other départements are read (to list them)...
    assert _run("31.localhost", elsewhere)["rows"] == [[before]]
    # ...never removed, moved or granted from 31.
    removed = f"DELETE FROM accounts_membership WHERE tenant_id = {OF_75} RETURNING id"
    assert _run("31.localhost", removed)["rows"] == []
    moved = (
        f"UPDATE accounts_membership SET tenant_id = {OF_75} "
        "WHERE tenant_id = (SELECT id FROM departements_tenant WHERE code = '31') RETURNING id"
    )
    answer = _run("31.localhost", moved)
    assert answer["error"] == INSUFFICIENT_PRIVILEGE and "row-level security" in answer["message"]
    granted = (
        "INSERT INTO accounts_membership (user_id, tenant_id, role, is_active, created_at) "
        f"SELECT id, {OF_75}, 'dpo', true, now() FROM accounts_user LIMIT 1 RETURNING id"
    )
    answer = _run("31.localhost", granted)
    assert answer.get("error") == INSUFFICIENT_PRIVILEGE, answer
    assert _owner_reads(elsewhere) == before
