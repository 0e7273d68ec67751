"""`manage.py statistics_release --period 2024 [--sync] [--epsilon 1]`: compute and publish a
release, with a differentially private one too when `--epsilon` is given."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parcours.departements.management.commands.provision import default_jobs
from parcours.errors import Refused
from parcours.reporting.privacy import epsilon_parse
from parcours.reporting.services import period_parse, release_start
from tenants.statistics.services import release_run_sync


class Command(BaseCommand):
    help = "Compute the national statistics of a fixed period (2024, 2024-T3, 2024-07)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="2024, 2024-T3 or 2024-07")
        parser.add_argument(
            "--sync", action="store_true", help="run here instead of queueing tasks to workers"
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=default_jobs(),
            help="with --sync: processes extracting the départements (default: cores + 1, at most 5)",
        )
        parser.add_argument(
            "--epsilon",
            default="",
            help="also publish differentially private figures with this ε (from the year's budget)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            kind, start = period_parse(text=options["period"])
            epsilon = epsilon_parse(value=options["epsilon"]) if options["epsilon"] else None
            if options["sync"]:
                release = release_run_sync(
                    period_kind=kind,
                    period_start=start,
                    actor_id=None,
                    dp_epsilon=epsilon,
                    jobs=max(1, options["jobs"]),
                )
                self.stdout.write(
                    f"release {release.pk} {release.status}: "
                    f"{len(release.departements_included)} départements included, "
                    f"{len(release.departements_missing)} missing"
                )
            else:
                release = release_start(
                    period_kind=kind, period_start=start, actor_id=None, dp_epsilon=epsilon
                )
                self.stdout.write(
                    f"release {release.pk} queued for {len(release.departements_expected)} "
                    "départements"
                )
        except Refused as exc:  # the release, its ε or its budget, each with its reason
            raise CommandError(str(exc)) from exc
