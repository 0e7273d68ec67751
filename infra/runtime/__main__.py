"""`python -m infra.runtime web|worker|beat|migrate|all`: the container image's entry point.

One process per container in a cluster (the process replaces this one, so it receives the
signals); `all` supervises web, worker and beat on a single machine.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
for _source_root in (str(ROOT), str(ROOT / "platform")):
    if _source_root not in sys.path:
        # Appended, as manage.py does: `platform/` never shadows the standard library.
        sys.path.append(_source_root)

from infra.runtime import programs  # noqa: E402
from infra.runtime.supervisor import Supervisor  # noqa: E402

USAGE = "usage: python -m infra.runtime web|worker|beat|migrate|all"


def beat_schedule() -> Path:
    return Path(os.environ.get("CELERY_BEAT_SCHEDULE", "/tmp/celerybeat-schedule"))  # noqa: S108


def prepare_writable_folders() -> None:
    """Create what the processes write under /tmp (an empty volume in a read-only container):
    prometheus-client's multiprocess folder must exist before the first metric is made."""
    for variable in ("PROMETHEUS_MULTIPROC_DIR", "XDG_CACHE_HOME"):
        folder = os.environ.get(variable)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)


def main(argv: list[str]) -> int:
    choice = argv[0] if argv else ""
    chosen = {
        "web": programs.web,
        "worker": programs.worker,
        "beat": lambda: programs.beat(schedule=beat_schedule()),
        "migrate": programs.migrate,
    }
    if choice == "all":
        prepare_writable_folders()
        return Supervisor(
            [programs.web(), programs.worker(), programs.beat(schedule=beat_schedule())]
        ).run()
    if choice not in chosen:
        print(USAGE, file=sys.stderr)
        return 2
    program = chosen[choice]()
    prepare_writable_folders()
    os.chdir(program.cwd)
    os.environ.update(program.env)
    os.execv(program.argv[0], program.argv)  # noqa: S606
    return 0  # never reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
