"""The recorded script of the tenant migrations replays what changes a schema, `SELECT setval`
included, and leaves out what only reads (Django's introspection)."""

from __future__ import annotations

import pytest

from parcours.db import connection
from parcours.departements.provisioning import is_replayed, record_statements

SETVAL = (
    "SELECT setval(pg_get_serial_sequence('\"numbered\"','id'), "
    'coalesce(max("id"), 1), max("id") IS NOT null) FROM "numbered"'
)


@pytest.mark.parametrize(
    ("sql", "replayed"),
    [
        ('CREATE TABLE "numbered" ("id" serial PRIMARY KEY)', True),
        ('INSERT INTO "numbered" ("id") VALUES (41)', True),
        (SETVAL, True),
        ("select pg_catalog.setval('numbered_id_seq', 41, true)", True),
        ("SELECT nextval('numbered_id_seq')", True),
        ("SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relkind = 'r'", False),
        ("SET CONSTRAINTS ALL IMMEDIATE", False),
        ('INSERT INTO "django_migrations" ("app", "name", "applied") VALUES (1, 2, 3)', False),
    ],
)
def test_what_the_script_replays(sql: str, replayed: bool) -> None:
    assert is_replayed(sql) is replayed


def test_a_migration_s_setval_is_replayed_into_a_new_schema(base: None, db: None) -> None:
    """A data migration inserts rows with their ids, then moves the sequence past them: the
    schema built from the script hands out the next id, not one its rows already hold."""

    def migration(scratch: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f'SET search_path TO "{scratch}"')
            cursor.execute('CREATE TABLE "numbered" ("id" serial PRIMARY KEY, "label" text)')
            cursor.execute(
                'INSERT INTO "numbered" ("id", "label") VALUES (%s, %s), (%s, %s)',
                [40, "importé", 41, "importé"],
            )
            cursor.execute(SETVAL)
            cursor.execute("SELECT count(*) FROM information_schema.tables")  # introspection

    statements = record_statements(run=migration)
    assert any("setval" in statement for statement in statements)
    assert not any("information_schema" in statement for statement in statements)
    try:
        with connection.cursor() as cursor:
            cursor.execute('CREATE SCHEMA "replayed"')
            cursor.execute('SET LOCAL search_path TO "replayed"')
            cursor.execute("".join(f"{statement};\n" for statement in statements))
            cursor.execute("""INSERT INTO "numbered" ("label") VALUES ('nouveau') RETURNING id""")
            assert cursor.fetchone() == (42,)
    finally:
        connection.search_path_set_schemas = None
        connection.set_schema_to_public()
