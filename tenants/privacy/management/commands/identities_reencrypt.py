"""Give a département a new data key and re-encrypt its identities under it, resumably."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from parcours.departements.models import Tenant
from parcours.errors import DomainError
from tenants.privacy.key_rotation import data_key_rotate


class Command(BaseCommand):
    help = (
        "Rotate a département's data key: a new key, every encrypted value re-encrypted under "
        "it in batches, the old key deleted when none is left. Interrupted, run it again: it "
        "takes up where it stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="the département's INSEE code")
        parser.add_argument("--batch", type=int, default=200, help="values per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(code=options["code"].strip().upper()).first()
        if tenant is None:
            raise CommandError(f"unknown département {options['code']!r}")

        def progress(label: str, done: int, total: int) -> None:
            self.stdout.write(f"{tenant.code} {label}: {done}/{total}")

        try:
            with schema_context(tenant.schema_name):
                key_id = data_key_rotate(batch=options["batch"], progress=progress)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{tenant.code}: every value under data key #{key_id}, older keys deleted"
        )
