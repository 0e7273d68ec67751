"""Provisioning: fast, all or nothing, idempotent, and identical to a migrated schema."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from parcours.audit.models import AuditEvent
from parcours.departements.models import Domain, Tenant
from parcours.departements.provisioning import (
    ProvisioningError,
    migrate_schema_stock,
    tenant_blueprint,
    tenant_provision,
    validate_codes,
)


def catalog(schema: str) -> dict[str, set[tuple[str, ...]]]:
    """What a schema is made of, with its own name abstracted away."""
    queries = {
        "columns": """
            SELECT table_name, column_name, data_type, is_nullable,
                   coalesce(column_default, ''), coalesce(character_maximum_length::text, '')
            FROM information_schema.columns WHERE table_schema = %s""",
        "constraints": """
            SELECT cl.relname, co.conname, co.contype::text, pg_get_constraintdef(co.oid)
            FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid
            JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE n.nspname = %s""",
        "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s",
        "triggers": """
            SELECT cl.relname, t.tgname FROM pg_trigger t JOIN pg_class cl ON cl.oid = t.tgrelid
            JOIN pg_namespace n ON n.oid = cl.relnamespace
            WHERE n.nspname = %s AND NOT t.tgisinternal""",
        "functions": """
            SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s""",
        "migrations": "SELECT app, name FROM {schema}.django_migrations",
    }
    result = {}
    with connection.cursor() as cursor:
        for key, sql in queries.items():
            if "{schema}" in sql:
                cursor.execute(sql.format(schema=f'"{schema}"'))
            else:
                cursor.execute(sql, [schema])
            result[key] = {
                tuple(str(value).replace(schema, "<schema>") for value in row)
                for row in cursor.fetchall()
            }
    return result


def test_a_provisioned_schema_is_identical_to_a_stock_migrated_one(base: None, db: None) -> None:
    tenant_provision(code="2A")
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "cmp_stock"')
    migrate_schema_stock(schema_name="cmp_stock")
    fast, stock = catalog("dep_2a"), catalog("cmp_stock")
    for key in fast:
        assert fast[key] == stock[key], key
    assert len(fast["columns"]) > 10
    assert ("audit_auditevent", "audit_event_append_only") in fast["triggers"]


def test_provisioning_creates_schema_tenant_domain_and_audit_event(base: None, db: None) -> None:
    result = tenant_provision(code="971", actor_id=None)
    assert result.created
    tenant = Tenant.objects.get(code="971")
    assert tenant.schema_name == "dep_971"
    assert tenant.name == "Guadeloupe"
    assert tenant.region.name == "Guadeloupe"
    assert Domain.objects.get(tenant=tenant).domain == "971.localhost"
    assert AuditEvent.objects.filter(action="departement.provisioned", object_id="971").count() == 1
    with schema_context("dep_971"):
        assert AuditEvent.objects.count() == 0  # its own, empty trail


def test_provisioning_twice_changes_nothing(base: None, db: None) -> None:
    first = tenant_provision(code="2B")
    second = tenant_provision(code="2b")
    assert first.created and not second.created
    assert second.tenant.pk == first.tenant.pk
    assert AuditEvent.objects.filter(action="departement.provisioned", object_id="2B").count() == 1


@pytest.mark.parametrize("code", ["99", "20", "975", "", "'; DROP SCHEMA public;--"])
def test_an_unknown_code_is_refused_by_name_and_nothing_is_created(
    base: None, db: None, code: str
) -> None:
    before = (Tenant.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ProvisioningError, match="inconnu"):
        tenant_provision(code=code)
    assert (Tenant.objects.count(), AuditEvent.objects.count()) == before


def test_a_request_with_one_unknown_code_is_refused_whole(base: None, db: None) -> None:
    with pytest.raises(ProvisioningError, match="99"):
        validate_codes(codes=["2A", "99"])
    assert not Tenant.objects.filter(code="2A").exists()


def test_an_existing_schema_without_tenant_is_never_overwritten(base: None, db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "dep_972"')
    with pytest.raises(ProvisioningError, match="existe"):
        tenant_provision(code="972")
    assert not Tenant.objects.filter(code="972").exists()


def test_the_blueprint_is_built_once_per_process(base: None, db: None) -> None:
    assert tenant_blueprint() is tenant_blueprint()
    assert "CREATE TABLE" in tenant_blueprint().script
    assert "dep_" not in tenant_blueprint().script  # unqualified DDL only


def test_foreign_keys_to_national_tables_are_set_apart_to_run_last(base: None, db: None) -> None:
    blueprint = tenant_blueprint()
    links = [s for s in blueprint.public_links.split(";\n") if s.strip()]
    national = ('"accounts_user"', '"associations_association"', '"workflows_workflowvariant"')
    assert len(links) >= 5
    assert all("FOREIGN KEY" in s and any(t in s for t in national) for s in links)
    assert not any(f"REFERENCES {t}" in blueprint.script for t in national)


def test_national_tables_are_not_locked_while_the_schema_is_built(base: None, db: None) -> None:
    """Adding a foreign key locks the referenced table against all writes until the commit."""
    script = tenant_blueprint().script
    held_after_script: list[tuple[str, str]] = []

    def spy(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        result = execute(sql, params, many, context)
        if sql == script:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                    " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE l.pid = pg_backend_pid()"
                    " AND n.nspname = 'public' AND l.mode = 'ShareRowExclusiveLock'"
                )
                held_after_script.extend(cursor.fetchall())
        return result

    seen: list[bool] = []

    def spy_ran(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        seen.append(sql == script)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy), connection.execute_wrapper(spy_ran):
        tenant_provision(code="973")
    assert any(seen), "the schema script was never sent: the spy checked nothing"
    assert held_after_script == []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
            "AND connamespace = 'dep_973'::regnamespace AND confrelid = 'associations_association'::regclass"
        )
        assert cursor.fetchone()[0] >= 4  # the links were added all the same


def test_parallel_provisioning_neither_deadlocks_nor_races(committed: None) -> None:
    """Two processes, four départements: each one's national links and audit come last."""
    from django.core.management import call_command

    codes = {"2A", "2B", "971", "972"}
    call_command("provision", *sorted(codes), jobs=2, verbosity=0)
    assert set(Tenant.objects.filter(code__in=codes).values_list("code", flat=True)) == codes
    provisioned = AuditEvent.objects.filter(action="departement.provisioned", object_id__in=codes)
    assert sorted(provisioned.values_list("object_id", flat=True)) == sorted(codes)


def test_no_département_table_carries_a_redundant_index(base: None, db: None) -> None:
    """Every index costs each of the 101 schemas a file and a sync: none may duplicate another.

    Redundant: a LIKE index (varchar_pattern_ops) no query uses, or a plain index whose columns
    begin another index of the same table.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, i.relname, x.indkey::text, x.indisunique, x.indpred IS NOT NULL,
                   pg_get_indexdef(x.indexrelid)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relnamespace = 'dep_31'::regnamespace
            """
        )
        rows = cursor.fetchall()
    assert not [name for _, name, *_, definition in rows if "pattern_ops" in definition]
    redundant = []
    for table, name, keys, unique, partial, _ in rows:
        if unique or partial:
            continue
        for other_table, other, other_keys, _, other_partial, _ in rows:
            covers = (other_keys + " ").startswith(keys + " ")
            if other_table == table and other != name and not other_partial and covers:
                redundant.append(f"{table}.{name} (covered by {other})")
    assert redundant == []
