from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from parcours.referentiel.services import referentiel_load
from parcours.workflows.services import workflow_templates_load


class Command(BaseCommand):
    help = "Load the national reference data shipped with the code (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = referentiel_load()
        templates = workflow_templates_load()
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"{summary.regions} regions, {summary.departements} départements; "
                f"{summary.nomenclature_items} new nomenclature items, "
                f"{summary.legal_parameters} new legal parameter values; "
                f"workflow templates: {', '.join(str(t) for t in templates)}"
            )
