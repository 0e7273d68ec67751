"""`oidc_provider`: the test OpenID provider, in a process of its own, on its own database.

The database is a sibling of the test database on the same PostgreSQL server (the machine's,
or the embedded one `infra/dev/with_services.py` starts), named after it with `_idp`; it is
dropped when the session ends. The provider is started once per test session (per xdist
worker) and Parcours is pointed at it through its ordinary settings.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import psycopg2
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "parcours-tests"
CLIENT_SECRET = "a-client-secret-for-the-tests-only"
PASSWORD = "provider-password"
STRANGER = "inconnu@interieur.gouv.fr"
UNVERIFIED = "prefet.75@test.parcours"
ACCOUNTS = [
    "coordinator.31@test.parcours",
    "prefet.31@test.parcours",
    "national_operator.national@test.parcours",
    "association_worker.31@test.parcours",
    STRANGER,
]


@dataclass(frozen=True)
class OidcProvider:
    base: str
    issuer: str
    discovery_url: str
    database: dict[str, Any]

    def register(self, *, redirect_uri: str, post_logout_redirect_uri: str) -> None:
        """Declare more addresses of Parcours to the provider (a live server's port, say)."""
        with psycopg2.connect(**self.database) as connection, connection.cursor() as cursor:
            cursor.execute(
                "UPDATE oauth2_provider_application SET redirect_uris = redirect_uris || ' ' || %s,"
                " post_logout_redirect_uris = post_logout_redirect_uris || ' ' || %s",
                [redirect_uri, post_logout_redirect_uri],
            )
        connection.close()


def _connection_kwargs(settings_dict: dict[str, Any], name: str) -> dict[str, Any]:
    return {
        "dbname": name,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
    }


def _admin_connection(settings_dict: dict[str, Any]) -> Any:
    connection = psycopg2.connect(**_connection_kwargs(settings_dict, "postgres"))
    connection.autocommit = True
    return connection


@pytest.fixture(scope="session")
def oidc_provider(django_db_setup: None, django_db_blocker: Any) -> Iterator[OidcProvider]:
    from django.db import connection

    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_idp"[:63]
    admin = _admin_connection(settings_dict)
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    setup = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": ["http://localhost/proconnect/retour/"],
        "post_logout_redirect_uris": ["http://localhost/proconnect/deconnecte/"],
        "users": [
            {"email": email, "password": PASSWORD, "given_name": "Camille", "usual_name": "Agent"}
            for email in ACCOUNTS
        ]
        + [{"email": UNVERIFIED, "password": PASSWORD, "verified": False}],
    }
    env = {
        **os.environ,
        "IDP_DB_NAME": name,
        "IDP_DB_USER": str(settings_dict.get("USER") or ""),
        "IDP_DB_PASSWORD": str(settings_dict.get("PASSWORD") or ""),
        "IDP_DB_HOST": str(settings_dict.get("HOST") or ""),
        "IDP_DB_PORT": str(settings_dict.get("PORT") or ""),
        "IDP_SETUP": json.dumps(setup),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    errors = tempfile.TemporaryFile()  # noqa: SIM115  (closed in the finally below)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc_provider.serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
    )
    try:
        assert process.stdout is not None
        # READY once migrated and set up (a few seconds); nothing after two minutes is a failure.
        ready, _, _ = select.select([process.stdout], [], [], 120)
        line = process.stdout.readline() if ready else ""
        if not line.startswith("READY"):
            process.wait(timeout=10)
            errors.seek(0)
            raise RuntimeError(f"the test OpenID provider did not start:\n{errors.read().decode()}")
        base = f"http://127.0.0.1:{int(line.split()[1])}"
        yield OidcProvider(
            base=base,
            issuer=f"{base}/o",
            discovery_url=f"{base}/o/.well-known/openid-configuration",
            database=_connection_kwargs(settings_dict, name),
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        errors.close()


@pytest.fixture
def proconnect_on(oidc_provider: OidcProvider, settings: Any, db: None) -> OidcProvider:
    """Parcours configured for the test provider, as an operator would through the environment.

    No one starts with a ProConnect sign-in remembered from an earlier test (the shared cache
    outlives the test's transaction).
    """
    from django.core.cache import caches

    from parcours.accounts.models import User

    caches["global"].delete_many(
        [f"proconnect:id_token:{pk}" for pk in User.objects.values_list("pk", flat=True)]
    )
    settings.PROCONNECT_CLIENT_ID = CLIENT_ID
    settings.PROCONNECT_CLIENT_SECRET = CLIENT_SECRET
    settings.PROCONNECT_DISCOVERY_URL = oidc_provider.discovery_url
    settings.PROCONNECT_ACR_VALUES = "eidas1 eidas2"
    settings.PROCONNECT_SECOND_FACTOR_ACR = "eidas2 eidas3"
    return oidc_provider


class AtProvider:
    """A browser at the provider: its own cookies, the sign-in form posted like a person does."""

    def __init__(self, provider: OidcProvider) -> None:
        self.provider = provider
        self.http = requests.Session()
        self.http.trust_env = False  # loopback: never through a proxy of the environment

    def authorize(
        self, url: str, *, email: str, second_factor: bool = False, id_token: str = "valid"
    ) -> str:
        """Follow the authorization request; sign in if asked; the callback URL it ends on."""
        response = self.http.get(url, allow_redirects=False)
        location = urljoin(url, response.headers["Location"])
        if urlsplit(location).path == "/login/":
            form = self.http.get(location)
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
            next_url = re.search(r'name="next" value="([^"]+)"', form.text)
            assert csrf and next_url, form.text
            data = {
                "csrfmiddlewaretoken": csrf.group(1),
                "next": next_url.group(1).replace("&amp;", "&"),
                "username": email,
                "password": PASSWORD,
                "id_token": id_token,
            }
            if second_factor:
                data["second_factor"] = "1"
            signed_in = self.http.post(location, data=data, allow_redirects=False)
            assert signed_in.status_code == 302, signed_in.text
            response = self.http.get(
                urljoin(location, signed_in.headers["Location"]), allow_redirects=False
            )
            location = urljoin(url, response.headers["Location"])
        assert location.startswith("http://localhost/proconnect/retour/"), location
        return location

    def follow(self, url: str) -> str:
        response = self.http.get(url, allow_redirects=False)
        assert response.status_code == 302, (response.status_code, response.text[:500])
        return urljoin(url, response.headers["Location"])


def local(url: str) -> str:
    """The path and query of a Parcours URL, for Django's test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
