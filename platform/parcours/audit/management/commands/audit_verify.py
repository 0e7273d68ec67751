"""Verify the hash chain of the public trail and of every département's trail."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import get_tenant_model, schema_context

from parcours.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the audit trails' hash chains; exits non-zero if one is broken."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schema", action="append", help="only these schemas (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        schemas = options["schema"] or [
            "public",
            # The tenant model by its setting: the audit trail sits below the départements.
            *get_tenant_model().objects.values_list("schema_name", flat=True),
        ]
        broken = []
        for schema in schemas:
            with schema_context(schema):
                result = audit_chain_verify()
            line = f"{schema}: {result.events} events, " + (
                "chain intact"
                if result.ok
                else f"BROKEN at event {result.first_broken_id} ({result.problem})"
            )
            self.stdout.write(line)
            if not result.ok:
                broken.append(schema)
        if broken:
            raise CommandError("Broken audit chain in: " + ", ".join(broken))
