"""`manage.py seed_national_figures`: case data matching the national figures of 31/12/2024."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from parcours.reporting.seeding import national_figures_seed


class Command(BaseCommand):
    help = "Fill the provisioned départements with case data matching 31/12/2024 (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = national_figures_seed()
        self.stdout.write(
            f"{sum(result.seeded.values())} persons in pathway seeded in "
            f"{len(result.seeded)} départements; {len(result.skipped)} already seeded"
        )
        if result.not_provisioned:
            self.stdout.write(
                "not provisioned (run `manage.py provision --all` first): "
                + " ".join(result.not_provisioned)
            )
