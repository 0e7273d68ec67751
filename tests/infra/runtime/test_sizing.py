"""Processes and threads follow the cores, unless the operator says otherwise."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from infra.runtime import sizing

CONFIG = Path(__file__).resolve().parents[3] / "infra" / "runtime" / "gunicorn.conf.py"


@pytest.mark.parametrize(("cores", "workers"), [(1, 2), (2, 4), (8, 16)])
def test_the_web_runs_two_processes_per_core(
    monkeypatch: pytest.MonkeyPatch, cores: int, workers: int
) -> None:
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert sizing.web_workers(available=cores) == workers
    assert sizing.worker_concurrency(available=cores) == cores


@pytest.mark.parametrize("value", ["0", "-1", "²", "many", ""])
def test_an_unusable_override_keeps_the_computed_size(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", value)
    assert sizing.web_workers(available=2) == 4


def test_one_thread_per_process_is_served_by_the_sync_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A process takes a connection only when it is free (the kernel balances the requests);
    a busy gthread process would keep accepting and hold its keep-alive connections."""
    monkeypatch.delenv("WEB_THREADS", raising=False)
    config = runpy.run_path(str(CONFIG))
    assert config["threads"] == 1
    assert config["worker_class"] == "sync"


def test_gunicorn_configuration_uses_threads_and_no_access_log(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("WEB_THREADS", "5")
    monkeypatch.setenv("PORT", "8123")
    config = runpy.run_path(str(CONFIG))
    assert config["workers"] == 3 and config["threads"] == 5
    assert config["worker_class"] == "gthread"
    assert config["bind"] == ["0.0.0.0:8123"]
    assert config["wsgi_app"] == "parcours.wsgi:application"
    # Query strings may hold what a person typed: the request log is Django's JSON line.
    assert config["accesslog"] is None


def test_the_pods_cpu_request_names_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARCOURS_CORES", "3")
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert sizing.cores() == 3
    assert sizing.web_workers() == 6


@pytest.mark.parametrize(
    ("content", "cores"), [("200000 100000\n", 2), ("150000 100000", 2), ("max 100000", 0)]
)
def test_a_cgroup_quota_bounds_the_cores(tmp_path: Path, content: str, cores: int) -> None:
    limits = tmp_path / "cpu.max"
    limits.write_text(content)
    assert sizing._cgroup_quota(str(limits)) == cores
