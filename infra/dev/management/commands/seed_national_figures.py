"""`manage.py seed_national_figures`: case data, approvals and commissions matching the national
figures of 2022–2024 (infra/dev/seeding/national.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from infra.dev.seeding.national import national_figures_seed


class Command(BaseCommand):
    help = (
        "Fill the provisioned départements with the case history, approved associations and "
        "commissions of 2022–2024 as the national sources give them (idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = national_figures_seed()
        self.stdout.write(
            f"{sum(result.seeded.values())} persons in pathway seeded in "
            f"{len(result.seeded)} départements (on 31/12/2024, with their history since 2021); "
            f"{len(result.skipped)} already seeded"
        )
        if result.not_provisioned:
            self.stdout.write(
                "not provisioned (run `manage.py provision --all` first): "
                + " ".join(result.not_provisioned)
            )
