"""Faults, with real components: the database restarted under the application.

The application's connection is pointed at a throw-away server holding a copy of the test
database; the server is stopped and started again while this process keeps serving.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import pytest
from django.db import connection

from parcours.departements.models import Tenant
from parcours.departements.roles import roles_sync
from parcours.departements.routing import forget_hosts
from parcours.operations.postgres import libpq_env, tool
from tests.conftest import client_for
from tests.parcours.operations.clusters import Cluster, free_port, remove, workspace


@pytest.fixture
def own_server(committed: None, django_db_blocker) -> Iterator[Cluster]:  # type: ignore[no-untyped-def]
    folder = workspace()
    server = Cluster(folder / "data").init()
    server.start()
    original = dict(connection.settings_dict)
    try:
        server.sql("CREATE DATABASE parcours")
        dump = folder / "copy.dump"
        subprocess.run(
            [str(tool("pg_dump")), "-Fc", "--no-owner", "--no-privileges", f"--file={dump}"],
            env=libpq_env(connection.settings_dict),
            check=True,
        )
        dump.chmod(0o644)
        server.run("pg_restore", "--no-owner", "-h", "127.0.0.1", "-p", str(server.port),
                   "-U", "postgres", "-d", "parcours", str(dump))  # fmt: skip
        connection.close()
        connection.settings_dict.update(
            {"HOST": "127.0.0.1", "PORT": str(server.port), "NAME": "parcours"}
        )
        forget_hosts()
        with django_db_blocker.unblock():
            # The copy carries no role (they belong to the server, named after the database):
            # give it the national and the départements' roles, as migrate_schemas does.
            roles_sync(schema_names=list(Tenant.objects.values_list("schema_name", flat=True)))
            yield server
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
        server.stop("immediate")
        remove(folder)


@pytest.mark.slow
def test_a_restarted_database_answers_503_then_serves_again_without_restarting(
    own_server: Cluster,
) -> None:
    client = client_for("coordinator", "31")
    client.raise_request_exception = False  # answer as in production, do not re-raise
    assert client.get("/").status_code == 200
    before = client.get("/api/v1/departement/")
    assert before.status_code == 200

    own_server.stop("fast")
    page = client.get("/")
    assert page.status_code == 503
    assert "momentanément indisponible" in page.content.decode()
    assert page["Retry-After"] == "5"
    api = client.get("/api/v1/departement/")
    assert api.status_code == 503
    assert api.json()["error"]["status"] == 503
    assert "réessayez" in api.json()["error"]["message"]

    own_server.start()  # same port: this process is not restarted
    assert client.get("/").status_code == 200
    after = client.get("/api/v1/departement/")
    assert after.status_code == 200
    assert json.loads(after.content) == json.loads(before.content)


@pytest.fixture
def redis_down(settings) -> str:  # type: ignore[no-untyped-def]
    """The caches pointed at a Redis that does not answer (a port nobody listens on)."""
    location = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {
        alias: {**conf, "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": location, "OPTIONS": {}}
        for alias, conf in settings.CACHES.items()
    }  # fmt: skip
    return location


@pytest.mark.parametrize(
    ("role", "code", "path"),
    [
        (None, None, "/healthz"),
        (None, None, "/connexion/"),
        ("coordinator", "31", "/"),
        ("coordinator", "31", "/dossiers/"),
        ("national_operator", None, "/"),
    ],
)
def test_pages_that_do_not_need_redis_keep_working_without_it(
    redis_down: str, login, role: str | None, code: str | None, path: str
) -> None:  # type: ignore[no-untyped-def]
    from django.core.cache import caches
    from redis.exceptions import ConnectionError as RedisDown

    with pytest.raises(RedisDown):  # the cache really is unreachable
        caches["default"].get("probe")
    client = login(role, code)
    client.raise_request_exception = False
    assert client.get(path).status_code == 200


def test_sign_in_is_refused_with_a_clear_message_when_redis_is_down(
    redis_down: str, db: None, base: None
) -> None:
    from django.test import Client

    from tests.conftest import PASSWORD, People, host

    client = Client(HTTP_HOST=host("31"), raise_request_exception=False)
    response = client.post(
        "/connexion/", {"email": People.email("coordinator", "31"), "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session  # closed: nobody signed in
    assert response.status_code in {429, 503}
    assert "réessayez" in response.content.decode().lower()
