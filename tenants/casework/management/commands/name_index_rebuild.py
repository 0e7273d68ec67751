"""Compute the blind index of names (tenants/casework/name_index.py) for existing persons."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from parcours.departements.models import Tenant
from tenants.casework.name_index import name_index_rebuild


class Command(BaseCommand):
    help = (
        "Compute again the keyed hashes of the parts of every person's name, for the search by "
        "name: after the upgrade that introduced them, or to repair an index. Idempotent; "
        "anonymised persons get none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*", help="only these départements (default: all)")
        parser.add_argument("--batch", type=int, default=200, help="persons per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        codes = [code.strip().upper() for code in options["codes"]]
        tenants = Tenant.objects.exclude(schema_name="public").order_by("code")
        if codes:
            tenants = tenants.filter(code__in=codes)
            unknown = set(codes) - set(tenants.values_list("code", flat=True))
            if unknown:
                raise CommandError(f"unknown département(s): {', '.join(sorted(unknown))}")
        for tenant in tenants:
            with schema_context(tenant.schema_name):
                done = name_index_rebuild(batch=options["batch"])
            self.stdout.write(f"{tenant.code}: {done} person(s) indexed")
