"""/healthz, /livez and /readyz: what the load balancer and Kubernetes ask each process."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
@pytest.mark.parametrize("path", ["/healthz", "/livez", "/readyz"])
def test_each_probe_answers_ok_on_a_migrated_platform(path: str) -> None:
    response = Client(HTTP_HOST="localhost").get(path)
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["status"] == "ok"


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
def test_readiness_names_a_departement_whose_migrations_are_not_applied() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM dep_75.django_migrations WHERE id = "
            "(SELECT max(id) FROM dep_75.django_migrations)"
        )
    response = Client(HTTP_HOST="localhost").get("/readyz")

    assert response.status_code == 503
    report = json.loads(response.content)
    assert report["unmigrated"] == ["dep_75"]
    assert report["checks"]["migrations"] == "error: 1 schema(s) behind the code"
    # The process itself is alive: Kubernetes must not restart it for that.
    assert Client(HTTP_HOST="localhost").get("/livez").status_code == 200
