"""platform/parcours/queue.py: a task of an upper layer is queued by its registered name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from parcours.queue import task_named
from parcours.reporting import task_names

ROOT = Path(__file__).resolve().parent.parent.parent
NAMES = [
    value for key, value in vars(task_names).items() if key.isupper() and isinstance(value, str)
]


def test_every_name_the_pipeline_queues_is_a_registered_task() -> None:
    assert len(NAMES) == 5
    for name in NAMES:
        assert task_named(name).name == name


def test_a_process_that_never_imported_the_departement_tasks_still_finds_them() -> None:
    """A web process queues the extraction without importing its module: the name is found by
    Celery's autodiscovery, and the task found is the département's (tenant-aware) one."""
    script = (
        "import sys, django; django.setup()\n"
        "assert 'tenants.statistics.tasks' not in sys.modules\n"
        "from parcours.queue import task_named\n"
        "from parcours.reporting.task_names import EXTRACT_DEPARTEMENT\n"
        "task = task_named(EXTRACT_DEPARTEMENT)\n"
        "print(type(task).__module__, task.max_retries, task.acks_late)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "parcours.settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["tenants.statistics.tasks", "3", "True"]
