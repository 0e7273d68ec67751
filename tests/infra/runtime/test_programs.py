"""Each role of the image is one command line, defined once for make run, the image and the
manifests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from infra.runtime import programs

ROOT = Path(__file__).resolve().parents[3]


def test_the_web_is_gunicorn_with_the_repositorys_configuration() -> None:
    web = programs.web(port=8123)
    assert web.argv[1:4] == ["-m", "gunicorn", "--config"]
    assert Path(web.argv[4]) == ROOT / "infra" / "runtime" / "gunicorn.conf.py"
    assert web.env == {"PORT": "8123"}


def test_the_worker_runs_one_task_per_core_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CELERY_WORKER_CONCURRENCY", "3")
    worker = programs.worker()
    assert worker.argv[worker.argv.index("--concurrency") + 1] == "3"
    assert worker.cwd == ROOT / "platform"


def test_beat_keeps_its_schedule_where_it_is_told(tmp_path: Path) -> None:
    beat = programs.beat(schedule=tmp_path / "schedule")
    assert beat.argv[beat.argv.index("--schedule") + 1] == str(tmp_path / "schedule")


def test_an_unknown_role_is_refused_with_the_usage() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "infra.runtime", "serve"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "usage: python -m infra.runtime web|worker|beat|migrate|all" in result.stderr


def test_the_folders_written_at_run_time_are_created_before_any_process_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from infra.runtime.__main__ import prepare_writable_folders

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    prepare_writable_folders()
    assert (tmp_path / "metrics").is_dir() and (tmp_path / "cache").is_dir()
