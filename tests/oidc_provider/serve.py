"""Start the test OpenID provider: `python -m tests.oidc_provider.serve` (cwd: the repository).

Reads IDP_DB_* (an existing, empty PostgreSQL database) and IDP_SETUP (JSON: the client and
the accounts), binds a free loopback port, migrates, creates the client and the accounts,
prints `READY <port>` and serves until killed. One process, one thread: the tests talk to it
one request at a time.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def _placeholder(environ: Any, start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [])
    return []


def main() -> None:
    server = make_server("127.0.0.1", 0, _placeholder, handler_class=QuietHandler)
    port = server.server_port
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    os.environ["IDP_RSA_KEY"] = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    os.environ["IDP_ISSUER"] = f"http://127.0.0.1:{port}/o"
    os.environ.setdefault("IDP_SECRET_KEY", secrets.token_urlsafe(40))
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"

    import django

    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    call_command("migrate", verbosity=0, interactive=False)
    _setup(json.loads(os.environ["IDP_SETUP"]))
    server.set_app(get_wsgi_application())
    print(f"READY {port}", flush=True)
    server.serve_forever()


def _setup(setup: dict[str, Any]) -> None:
    from django.contrib.auth.models import Group, User
    from oauth2_provider.models import Application

    Application.objects.create(
        name="Parcours",
        client_id=setup["client_id"],
        client_secret=setup["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        algorithm=Application.RS256_ALGORITHM,
        redirect_uris=" ".join(setup["redirect_uris"]),
        post_logout_redirect_uris=" ".join(setup["post_logout_redirect_uris"]),
        skip_authorization=True,
    )
    verified = Group.objects.create(name="verified")
    for account in setup["users"]:
        user = User.objects.create_user(
            username=account["email"],
            email=account["email"],
            password=account["password"],
            first_name=account.get("given_name", ""),
            last_name=account.get("usual_name", ""),
        )
        if account.get("verified", True):
            user.groups.add(verified)


if __name__ == "__main__":
    sys.exit(main())
