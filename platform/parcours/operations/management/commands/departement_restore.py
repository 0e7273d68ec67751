"""`manage.py departement_restore /backups/dep_31.tar [--replace]` into the configured database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parcours.errors import DomainError
from parcours.operations.archive import departement_restore


class Command(BaseCommand):
    help = "Restore one département from its archive, leaving the other départements untouched."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="archive written by departement_export")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="drop the département's existing schema and public rows first",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = departement_restore(source=options["source"], replace=options["replace"])
        except DomainError as exc:
            raise CommandError(" ".join(exc.reasons)) from exc
        self.stdout.write(
            f"{manifest.schema} restored ({len(manifest.migrations)} migrations recorded); "
            "run migrate_schemas if this code has newer ones."
        )
