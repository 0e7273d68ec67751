"""The web as production runs it: gunicorn with the repository's configuration, a real
process on a free port, its metrics on a port of their own, summed over its workers."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from infra.runtime import programs
from parcours.accounts.checks import secrets_are_real

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _database_url() -> str:
    db = connection.settings_dict
    host = db["HOST"] or ""
    location = quote(host, safe="") if host.startswith("/") else f"{host}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER'] or 'postgres'}@{location}/{db['NAME']}"


def _get(port: int, path: str) -> tuple[int, dict[str, str], str]:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    client.request("GET", path, headers={"Host": "localhost"})
    answer = client.getresponse()
    return answer.status, dict(answer.headers), answer.read().decode()


@pytest.fixture(scope="module")
def web(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[int, int, subprocess.Popen[bytes]]]:
    """One gunicorn for the module (it takes seconds to start on a busy machine)."""
    tmp_path = tmp_path_factory.mktemp("metrics")
    port, metrics_port = _free_port(), _free_port()
    program = programs.web(port=port)
    env = {
        **os.environ,
        **program.env,
        "DATABASE_URL": _database_url(),
        "CONN_MAX_AGE": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "PARCOURS_MASTER_KEY": settings.PARCOURS_MASTER_KEY,
        "DEBUG": "1" if secrets_are_real() else "0",
        "WEB_BIND": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "2",
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "PARCOURS_METRICS_PORT": str(metrics_port),
        "PARCOURS_METRICS_BIND": "127.0.0.1",
    }
    log = ROOT / "test-artifacts" / f"gunicorn-{port}.log"
    log.parent.mkdir(exist_ok=True)
    process = subprocess.Popen(
        program.argv, cwd=program.cwd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if _get(port, "/livez")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer: " + log.read_text()
            time.sleep(0.3)
        yield port, metrics_port, process
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.django_db
def test_gunicorn_serves_the_platform_and_its_metrics_summed_over_workers(
    web: tuple[int, int, subprocess.Popen[bytes]],
) -> None:
    port, metrics_port, _ = web
    for _ in range(6):
        status, headers, _ = _get(port, "/healthz")
        assert status == 200
        assert headers["Server"].startswith("gunicorn")
    status, _, body = _get(metrics_port, "/metrics")
    assert status == 200
    line = next(
        line
        for line in body.splitlines()
        if line.startswith("parcours_http_requests_total{")
        and 'route="frontend:healthz"' in line
        and 'departement="national"' in line
    )
    # Whichever of the two workers answered, the endpoint adds them up.
    assert float(line.rsplit(" ", 1)[1]) == 6
    assert "parcours_queue_up" in body
    # The public port does not serve them.
    assert _get(port, "/metrics")[0] == 404


@pytest.mark.django_db
def test_a_killed_gunicorn_worker_is_replaced_and_the_web_keeps_answering(
    web: tuple[int, int, subprocess.Popen[bytes]],
) -> None:
    port, _, master = web
    children = subprocess.run(
        ["pgrep", "-P", str(master.pid)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(children) == 2
    os.kill(int(children[0]), 9)
    deadline = time.monotonic() + 30
    while True:
        now = subprocess.run(
            ["pgrep", "-P", str(master.pid)], capture_output=True, text=True
        ).stdout.split()
        if len(now) == 2 and children[0] not in now:
            break
        assert time.monotonic() < deadline, "the worker was not replaced"
        time.sleep(0.2)
    assert all(_get(port, "/livez")[0] == 200 for _ in range(4))
    assert master.poll() is None
