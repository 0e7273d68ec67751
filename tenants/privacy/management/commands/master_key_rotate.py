"""Wrap every département's data key with a new master key (README: key rotation runbook)."""

from __future__ import annotations

import binascii
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from parcours.departements.models import Tenant
from parcours.errors import Refused
from tenants.casework.crypto import master_key_from, master_keys
from tenants.privacy.key_rotation import master_key_rewrap


def _key(value: str, *, name: str) -> bytes:
    try:
        return master_key_from(value)
    except (ValueError, binascii.Error) as exc:
        raise CommandError(f"{name}: 32 bytes in base64 expected") from exc


class Command(BaseCommand):
    help = (
        "Re-wrap every département's data key under a new master key. The keys come from the "
        "environment (PARCOURS_MASTER_KEY_PREVIOUS = old, PARCOURS_MASTER_KEY = new, as the "
        "processes are configured during a rotation) or from --old-key-env/--new-key-env. "
        "Idempotent: a key already under the new master is left as it is."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*", help="only these départements (default: all)")
        # Names of variables, not the keys: a command line is visible to every local user.
        parser.add_argument("--old-key-env", default="PARCOURS_MASTER_KEY_PREVIOUS")
        parser.add_argument("--new-key-env", default="PARCOURS_MASTER_KEY")

    def handle(self, *args: Any, **options: Any) -> None:
        old_value = os.environ.get(options["old_key_env"], "")
        new_value = os.environ.get(options["new_key_env"], "")
        if not new_value:
            raise CommandError(f"{options['new_key_env']} is not set: no new master key")
        new = _key(new_value, name=options["new_key_env"])
        # Without an old key in the environment: the one the platform derives in development.
        old = _key(old_value, name=options["old_key_env"]) if old_value else master_keys()[-1]
        if old == new:
            raise CommandError("the old and the new master keys are the same")
        tenants = Tenant.objects.order_by("code")
        if options["codes"]:
            tenants = tenants.filter(code__in=[c.upper() for c in options["codes"]])
        schemas = list(tenants.values_list("code", "schema_name"))
        failed: list[str] = []
        for index, (code, schema) in enumerate(schemas, start=1):
            try:
                with schema_context(schema):
                    result = master_key_rewrap(old=old, new=new)
            except Refused as exc:
                failed.append(code)
                self.stdout.write(f"{code} ({index}/{len(schemas)}): {exc}")
                continue
            self.stdout.write(
                f"{code} ({index}/{len(schemas)}): {result.rewrapped} re-wrapped, "
                f"{result.already} already under the new master key"
            )
        if failed:
            raise CommandError("not re-wrapped: " + ", ".join(failed))
        self.stdout.write(
            f"{len(schemas)} département(s) under the new master key; remove the previous one "
            "from the environment once every process runs with the new one."
        )
