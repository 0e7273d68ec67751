"""`manage.py departement_export 31 /backups/dep_31.tar`: one département into one archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parcours.errors import DomainError
from parcours.operations.archive import departement_export


class Command(BaseCommand):
    help = "Export one département (schema, data, wrapped key, public rows) into an archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="INSEE code of the département (31, 2A, 974…)")
        parser.add_argument("destination", type=Path, help="archive file to write (.tar)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = departement_export(code=options["code"], destination=options["destination"])
        except DomainError as exc:
            raise CommandError(" ".join(exc.reasons)) from exc
        self.stdout.write(
            f"{manifest.schema} exported to {options['destination']} "
            f"(dump sha256 {manifest.checksums['schema.dump'][:12]}…)"
        )
