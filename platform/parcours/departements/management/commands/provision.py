"""`manage.py provision 31 2A 971` or `--all`: idempotent, all or nothing per département."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from parcours.departements.provisioning import (
    ProvisioningError,
    tenant_blueprint,
    tenant_provision,
    validate_codes,
)
from parcours.referentiel.models import Departement


class Command(BaseCommand):
    help = "Provision département schemas from the national reference data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*", help="INSEE codes (31, 2A, 971…)")
        parser.add_argument(
            "--all", action="store_true", help="every département of the reference data"
        )
        parser.add_argument(
            "--method",
            choices=["blueprint", "stock"],
            default="blueprint",
            help="stock: django-tenants' own migration of each schema (for comparison)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"]:
            codes = list(Departement.objects.values_list("code", flat=True))
            if not codes:
                raise CommandError("No reference data: run `manage.py load_referentiel` first.")
        else:
            try:
                codes = validate_codes(codes=options["codes"])
            except ProvisioningError as exc:
                raise CommandError(str(exc)) from exc
            if not codes:
                raise CommandError("Name département codes, or use --all.")
        started = time.perf_counter()
        if options["method"] == "blueprint":
            tenant_blueprint()
        created = present = 0
        failures: list[str] = []
        quiet = options["verbosity"] == 0
        for code in tqdm(codes, desc="Provisioning", unit="dép.", disable=quiet):
            try:
                result = tenant_provision(code=code, method=options["method"])
            except ProvisioningError as exc:
                failures.append(f"{code}: {exc}")
                continue
            if result.created:
                created += 1
            else:
                present += 1
        elapsed = time.perf_counter() - started
        if not quiet:
            self.stdout.write(
                f"{created} created, {present} already present, {len(failures)} failed "
                f"in {elapsed:.1f} s"
            )
        if failures:
            raise CommandError("\n".join(failures))
