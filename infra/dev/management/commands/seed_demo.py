from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from infra.dev.seeding.demo import demo_seed


class Command(BaseCommand):
    help = "Create the demo départements, associations and accounts (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        for login in demo_seed():
            self.stdout.write(f"  {login.email:45} {login.what}")
        self.stdout.write(f"  password for every demo account: {settings.PARCOURS_DEMO_PASSWORD}")
