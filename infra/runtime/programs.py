"""The command line of each process of the platform, defined once.

`make run` supervises them on one machine; the container image runs one of them per container
(`python -m infra.runtime web`); the Kubernetes manifests name them the same way.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from infra.runtime import sizing

ROOT = Path(__file__).resolve().parent.parent.parent
PLATFORM = ROOT / "platform"
GUNICORN_CONFIG = ROOT / "infra" / "runtime" / "gunicorn.conf.py"


@dataclass(frozen=True)
class Program:
    name: str
    argv: list[str]
    cwd: Path = ROOT
    env: dict[str, str] = field(default_factory=dict)


def web(*, port: int | str | None = None) -> Program:
    """gunicorn with the repository's configuration (workers and threads from the cores)."""
    env = {"PORT": str(port)} if port is not None else {}
    return Program(
        "web",
        [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG)],
        env=env,
    )


def dev_web(*, port: int | str) -> Program:
    """Django's development server (`DEBUG=1 make run`): reloads nothing, serves one process."""
    return Program(
        "web",
        [sys.executable, str(ROOT / "manage.py"), "runserver", f"0.0.0.0:{port}", "--noreload"],
    )


def worker() -> Program:
    return Program(
        "worker",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "parcours",
            "worker",
            "--loglevel",
            os.environ.get("LOG_LEVEL", "INFO"),
            "--concurrency",
            str(sizing.worker_concurrency()),
            # No broadcast chatter between workers: each one is independent and idempotent.
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=PLATFORM,
    )


def beat(*, schedule: Path | str) -> Program:
    """Celery beat; its schedule file must be writable (a volume in a read-only container)."""
    return Program(
        "beat",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "parcours",
            "beat",
            "--loglevel",
            os.environ.get("LOG_LEVEL", "INFO"),
            "--schedule",
            str(schedule),
        ],
        cwd=PLATFORM,
    )


def migrate() -> Program:
    """Every schema migrated, one after another, resumable (the Kubernetes Job)."""
    return Program(
        "migrate",
        [sys.executable, str(ROOT / "manage.py"), "migrate_departements"],
    )
