"""`manage.py provision 31 2A 971` or `--all`: idempotent, all or nothing per département.

With several départements, `--jobs` processes (one per core plus one by default) provision in
parallel: each département is its own transaction, so they wait on one another only at the end
of each, while the new schema's foreign keys to national tables are added and the national
audit chain is extended (see `provisioning.py`).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from tqdm import tqdm

from parcours.departements.provisioning import (
    ProvisioningError,
    tenant_blueprint,
    tenant_provision,
    validate_codes,
)
from parcours.referentiel.models import Departement
from parcours.workflows.services import workflow_templates_load


def default_jobs() -> int:
    """One process per core plus one, at most 5.

    Each département's build waits on the disk (an fsync per index) as much as it computes, so
    one extra process fills the cores. Measured on 2 cores, 101 départements: 14.4 and 15.5 s
    with 2 processes, 12.9 and 13.0 s with 3, 14.8 s with 4.
    """
    return min(5, (os.cpu_count() or 1) + 1)


def _provision_one(job: tuple[str, str]) -> tuple[str, bool | None, str]:
    code, method = job
    try:
        result = tenant_provision(code=code, method=method)
    except ProvisioningError as exc:
        return code, None, str(exc)
    return code, result.created, ""


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
        parser.add_argument(
            "--jobs",
            type=int,
            default=default_jobs(),
            help="parallel processes (default: one per core plus one, at most 5)",
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
        method = options["method"]
        jobs = max(1, options["jobs"]) if method == "blueprint" else 1
        if method == "blueprint":
            tenant_blueprint()  # built once here; forked workers inherit it
        workflow_templates_load()  # the national template each new département adopts
        quiet = options["verbosity"] == 0
        work = [(code, method) for code in codes]
        if jobs > 1 and len(codes) > 1:
            connections.close_all()  # never share a connection with the forked workers
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
                results = list(
                    tqdm(
                        pool.map(_provision_one, work),
                        total=len(work),
                        desc="Provisioning",
                        unit="dép.",
                        disable=quiet,
                    )
                )
        else:
            results = [
                _provision_one(job)
                for job in tqdm(work, desc="Provisioning", unit="dép.", disable=quiet)
            ]
        created = sum(1 for _, done, _ in results if done)
        present = sum(1 for _, done, _ in results if done is False)
        failures = [f"{code}: {error}" for code, done, error in results if done is None]
        if not quiet:
            self.stdout.write(
                f"{created} created, {present} already present, {len(failures)} failed "
                f"in {time.perf_counter() - started:.1f} s ({jobs} process{'es' if jobs > 1 else ''})"
            )
        if failures:
            raise CommandError("\n".join(failures))
