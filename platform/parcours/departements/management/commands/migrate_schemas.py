"""`migrate_schemas` that skips up-to-date schemas.

Stock django-tenants runs Django's migrate in every schema even when nothing is pending (about
80 ms each: 8 s for 101 départements). Here one query reads every schema's applied migrations
and compares them with the migrations on disk; only schemas that lag behind (and public, if
it lags) go through the stock command. `--force` keeps the stock behaviour.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandParser
from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import (
    MigrateSchemasCommand as StockCommand,
)
from django_tenants.migration_executors import get_executor

from parcours.db import connection
from parcours.departements.models import Tenant
from parcours.departements.provisioning import migrations_on_disk
from parcours.departements.roles import roles_sync


def schemas_behind(*, schema_names: list[str]) -> list[str]:
    """The schemas (among `schema_names`) missing at least one migration that is on disk."""
    expected = set(migrations_on_disk())
    if not schema_names:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'django_migrations' AND table_schema = ANY(%s)",
            [schema_names],
        )
        with_table = {row[0] for row in cursor.fetchall()}
        applied: dict[str, set[tuple[str, str]]] = {name: set() for name in with_table}
        if with_table:
            union = " UNION ALL ".join(
                f"SELECT '{name}' AS s, app, name FROM \"{name}\".django_migrations"
                for name in sorted(with_table)
            )
            cursor.execute(union)
            for schema, app, name in cursor.fetchall():
                applied[schema].add((app, name))
    return [name for name in schema_names if not expected <= applied.get(name, set())]


class Command(StockCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--force", action="store_true", help="run Django's migrate in every schema (stock)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._migrate(*args, **options)
        # A table a migration added, or a grant added to departements/roles.py, reaches the
        # roles now (idempotent; a few milliseconds per département).
        connection.set_schema_to_public()
        if "departements_tenant" in connection.introspection.table_names():
            roles_sync(schema_names=list(Tenant.objects.values_list("schema_name", flat=True)))

    def _migrate(self, *args: Any, **options: Any) -> None:
        if options.get("force") or options.get("app_label") or options.get("schema_name"):
            super().handle(*args, **options)
            return
        started = time.perf_counter()
        connection.set_schema_to_public()
        shared_only = options.get("shared")
        tenants_only = options.get("tenant")
        public_behind = bool(schemas_behind(schema_names=["public"]))
        tenant_schemas: list[str] = []
        if not shared_only:
            tenant_schemas = (
                list(Tenant.objects.values_list("schema_name", flat=True))
                if "departements_tenant" in connection.introspection.table_names()
                else []
            )
        behind = schemas_behind(schema_names=tenant_schemas) if tenant_schemas else []
        if public_behind and not tenants_only:
            super().handle(*args, **{**options, "shared": True, "tenant": False})
            connection.set_schema_to_public()
            if not shared_only:
                tenant_schemas = list(Tenant.objects.values_list("schema_name", flat=True))
                behind = schemas_behind(schema_names=tenant_schemas)
        if behind:
            # One executor run for all lagging schemas, so --executor=multiprocessing really
            # migrates them in parallel (instead of one pool per schema).
            SyncCommon.handle(self, *args, **{**options, "shared": False, "tenant": True})
            get_executor(codename=self.executor)(self.args, self.options).run_migrations(
                tenants=behind
            )
        if options.get("verbosity", 1) >= 1:
            self.stdout.write(
                f"{len(tenant_schemas) - len(behind)} of {len(tenant_schemas)} département schemas "
                f"already up to date; migrated {len(behind)}"
                f"{' and public' if public_behind and not tenants_only else ''} "
                f"in {time.perf_counter() - started:.2f} s"
            )
