"""A worker process killed (SIGKILL) in the middle of sending the convocations: the task goes
back to the queue and runs again; every member gets the convocation once, nothing is lost."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from parcours import celery_app
from parcours.accounts.checks import secrets_are_real
from parcours.audit.models import AuditEvent
from parcours.departements.models import Tenant
from tests.test_celery_worker import _database_url

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.worker, pytest.mark.slow]


@pytest.fixture
def prefork_worker(committed: None, tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A real worker with a pool process (prefork, one child), on a queue of its own, whose
    first e-mail sending hangs until the test kills the process running it."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CONN_MAX_AGE": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "PARCOURS_MASTER_KEY": settings.PARCOURS_MASTER_KEY,
        "DEBUG": "1" if secrets_are_real() else "0",
        "PARCOURS_EMAIL_BACKEND": "tests.parcours.operations.slowmail.FirstSendingHangs",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    log = tmp_path / "worker.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "parcours", "worker", "-Q", queue,
         "--pool", "prefork", "--concurrency", "1", "--without-heartbeat", "--without-gossip",
         "--without-mingle", "--loglevel", "INFO"],
        cwd=ROOT / "platform",
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    previous = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        _wait(lambda: "ready." in log.read_text(), what=log)
        yield mail_dir, log
    finally:
        celery_app.conf.task_default_queue = previous
        process.terminate()
        process.wait(timeout=30)


def _wait(condition, *, what: Path, seconds: float = 120) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what.read_text()[-3000:]
        time.sleep(0.2)


def test_convocations_survive_a_worker_killed_mid_task_and_go_out_once(
    prefork_worker: tuple[Path, Path],
) -> None:
    from tests.tenants.casework.conftest import access_as
    from tests.tenants.commission.factories import convened_session

    mail_dir, log = prefork_worker
    connection.set_tenant(Tenant.objects.get(code="31"))
    coordinator = access_as("coordinator", "31")
    session = convened_session(
        coordinator, email_domain="killed.test"
    )  # queues the e-mails on commit

    marker = mail_dir.parent / "hanging-worker.pid"
    _wait(marker.exists, what=log)
    os.kill(int(marker.read_text()), signal.SIGKILL)  # mid-task: nothing sent yet

    def sent() -> int:
        if not mail_dir.exists():
            return 0
        return sum(
            p.read_text(errors="ignore").count('filename="seance.ics"') for p in mail_dir.iterdir()
        )

    def sendings() -> int:
        with schema_context("dep_31"):
            return AuditEvent.objects.filter(
                action="commission.convocations_sent", object_id=str(session.pk)
            ).count()

    # The sending is audited after its last e-mail: once it is there, the run is over.
    _wait(lambda: sendings() == 1, what=log)
    text = log.read_text()
    assert "WorkerLostError" in text  # the kill really hit the task's process...
    # ...and the task went back to the queue: received twice.
    assert len(re.findall(r"send_convocations\[[^\]]+\] received", text)) == 2
    assert sent() == 3  # each member once: nothing lost, nothing twice
    assert sendings() == 1
    connection.set_schema_to_public()
