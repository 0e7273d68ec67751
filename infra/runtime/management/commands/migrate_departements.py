"""`manage.py migrate_departements`: every schema migrated, one after another, resumable.

The Kubernetes Job of a release (`python -m infra.runtime migrate`). Public first, then each
département's schema that lags behind the code, one at a time, each line saying where it is
(`[12/101] dep_31 migrated in 0.8 s`). The progress is the schemas' own `django_migrations`
table, written by each migration as it commits: a Job that stops halfway (a crash, a
deadline, a node drained) and is started again reads it and skips what is done. Two runs never
overlap: the second waits on a PostgreSQL advisory lock. The web's readiness (/readyz) lists
the schemas still behind, so a pod of the new release takes traffic only once all are done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from parcours.db import connection
from parcours.health import unmigrated_schemas

# An arbitrary constant shared by every run of this command (pg_advisory_lock's key).
LOCK_KEY = 0x70617263  # "parc"


def migrate_one(schema: str) -> None:
    if schema == "public":
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    else:
        call_command("migrate_schemas", schema_name=schema, interactive=False, verbosity=0)


def migrate_all(
    *,
    write: Callable[[str], None],
    migrate: Callable[[str], None] = migrate_one,
    behind: Callable[[], list[str]] = unmigrated_schemas,
) -> int:
    """Migrate every schema behind the code, public first; returns how many were migrated.

    A failure stops the run at that schema (raised) with the ones before it done and kept.
    """
    started = time.perf_counter()
    pending = behind()
    # Public first: the départements' migrations may depend on national tables.
    pending = sorted(pending, key=lambda schema: schema != "public")
    write(f"{len(pending)} schema(s) behind the code: {' '.join(pending) or 'none'}")
    for number, schema in enumerate(pending, start=1):
        began = time.perf_counter()
        connection.set_schema_to_public()
        try:
            migrate(schema)
        except Exception as exc:
            write(
                f"[{number}/{len(pending)}] {schema} FAILED ({type(exc).__name__}); "
                f"{number - 1} done are kept, a new run starts again from {schema}"
            )
            raise
        write(f"[{number}/{len(pending)}] {schema} migrated in {time.perf_counter() - began:.1f} s")
    connection.set_schema_to_public()
    left = behind()
    if left:
        raise CommandError(f"still behind after the run: {' '.join(left)}")
    write(
        f"every schema is up to date ({len(pending)} migrated in {time.perf_counter() - started:.1f} s)"
    )
    return len(pending)


class Command(BaseCommand):
    help = "Migrate public then every département's schema, one by one, resumable (the Job)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="only list the schemas behind; exit 1 if any"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        connection.set_schema_to_public()
        if options["check"]:
            pending = unmigrated_schemas()
            self.stdout.write(" ".join(pending) or "every schema is up to date")
            if pending:
                raise CommandError(f"{len(pending)} schema(s) behind the code")
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
            if not cursor.fetchone()[0]:
                self.stdout.write("another migration run holds the lock; waiting for it")
                cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        try:
            migrate_all(
                write=lambda line: self.stdout.write(line, ending="\n") or self.stdout.flush()
            )
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
