from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from infra.dev.seeding.demo import demo_seed

# What a newcomer or an API client runs to read the code an authenticator would show.
TOTP_COMMAND = (
    '.venv/bin/python -c "import base64, sys; from django_otp.oath import totp; '
    "print('%06d' % totp(base64.b32decode(sys.argv[1])))\""
)


class Command(BaseCommand):
    help = "Create the demo départements, associations and accounts (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        for login in demo_seed():
            self.stdout.write(f"  {login.email:45} {login.what}")
            if login.totp_secret:
                self.stdout.write(f"  {'':45} second facteur (TOTP) : {login.totp_secret}")
        self.stdout.write(f"  password for every demo account: {settings.PARCOURS_DEMO_PASSWORD}")
        self.stdout.write(f"  the current code of a TOTP secret: {TOTP_COMMAND} <secret>")
