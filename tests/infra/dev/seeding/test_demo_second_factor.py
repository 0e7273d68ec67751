"""`make run` enrols the demo accounts that need a second factor and prints their TOTP secret
beside the password: a newcomer computes the code from what is printed, with no bypass."""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys

from django.core.management import call_command
from django.test import Client

from infra.dev.management.commands.seed_demo import TOTP_COMMAND


def test_the_printed_secret_completes_the_demo_sign_in(  # type: ignore[no-untyped-def]
    db, base, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    email = "coordination.31@parcours.test"
    found = re.search(
        re.escape(email) + r".*\n\s+second facteur \(TOTP\) : ([A-Z2-7]{32})", printed
    )
    assert found is not None, printed
    assert "membre.police.31@parcours.test" in printed
    member_line = printed.split("membre.police.31@parcours.test", 1)[1].splitlines()[1]
    assert "TOTP" not in member_line  # a commission member needs none

    # The printed command, as a newcomer runs it (from the repository's root).
    command = TOTP_COMMAND.replace(".venv/bin/python", sys.executable)
    code = subprocess.run(
        f"{command} {found.group(1)}", shell=True, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert re.fullmatch(r"\d{6}", code)
    assert base64.b32decode(found.group(1))  # a real key, not a placeholder

    client = Client(HTTP_HOST="31.localhost")
    password = client.post(
        "/connexion/", {"email": email, "password": settings.PARCOURS_DEMO_PASSWORD}
    )
    assert password["Location"].startswith("/connexion/second-facteur/")
    done = client.post(password["Location"], {"code": code})
    assert done.status_code == 302
    assert client.get("/api/v1/persons/").status_code == 200
