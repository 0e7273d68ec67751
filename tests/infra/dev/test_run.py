"""`make run` explains a broken configuration in one line instead of a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("garbage", "DATABASE_URL must be a PostgreSQL URL"),
        (
            "postgres://nobody@127.0.0.1:1/nothing",
            "cannot reach the database named by DATABASE_URL",
        ),
    ],
)
def test_a_broken_database_url_stops_make_run_with_one_readable_line(
    url: str, expected: str
) -> None:
    env = {**os.environ, "DATABASE_URL": url, "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "infra" / "dev" / "run.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("make run: ") and expected in lines[0]
