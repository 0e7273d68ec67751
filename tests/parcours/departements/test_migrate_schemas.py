"""`migrate_schemas` skips schemas that are up to date and still migrates those that lag."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.db import connection

from parcours.departements.management.commands.migrate_schemas import schemas_behind


def test_nothing_to_do_is_reported_without_migrating(base: None, db: None) -> None:
    out = StringIO()
    call_command("migrate_schemas", interactive=False, stdout=out)
    assert "already up to date; migrated 0 " in out.getvalue()


def test_a_schema_missing_a_migration_is_found(base: None, db: None) -> None:
    assert schemas_behind(schema_names=["dep_31", "dep_75", "public"]) == []
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dep_75.django_migrations WHERE app = 'agrements'")
    assert schemas_behind(schema_names=["dep_31", "dep_75"]) == ["dep_75"]


def test_a_schema_without_migration_table_is_behind(base: None, db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "dep_empty"')
    assert schemas_behind(schema_names=["dep_empty"]) == ["dep_empty"]


def test_a_lagging_schema_is_migrated_and_the_others_left_alone(base: None, db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TABLE dep_75.pilotage_strategyaction, dep_75.pilotage_strategyaxis, "
            "dep_75.pilotage_periodfigures, dep_75.pilotage_activityreport"
        )
        cursor.execute("DELETE FROM dep_75.django_migrations WHERE app = 'pilotage'")
    out = StringIO()
    call_command("migrate_schemas", interactive=False, stdout=out)
    assert "migrated 1 " in out.getvalue()
    assert schemas_behind(schema_names=["dep_31", "dep_75"]) == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('dep_75.pilotage_strategyaxis') IS NOT NULL")
        assert cursor.fetchone()[0]
