"""How many processes and threads a machine gets, from its cores (overridable by variables).

The web is CPU-bound between short database waits: two gunicorn processes per core keep the
cores busy while one waits. Each process serves one request at a time by default (gunicorn's
sync worker, gunicorn.conf.py): its threads would share one interpreter lock over CPU-bound page
rendering, and on the 2-core benchmark machine 4 processes of 1 thread served some 17 % more
requests per second than 4 of 4, and 2 threads fell in between (benchmarks/results/load.txt).
`WEB_THREADS` raises it where pages wait on slow services. Each thread holds its own persistent database connection, so connections =
workers × threads; keep that under PostgreSQL's `max_connections` divided by the web replicas.
The Celery worker runs one task per core: its tasks (releases, PDF documents) are CPU-bound.
"""

from __future__ import annotations

import os


def cores() -> int:
    """The cores this process may use: PARCOURS_CORES (the manifests set it from the pod's CPU
    request), else the cgroup's CPU quota, else the CPU set it may run on. A container sees
    every core of its node: sizing from that count would start dozens of processes."""
    named = _positive("PARCOURS_CORES", 0)
    if named:
        return named
    quota = _cgroup_quota()
    available = _cpu_set()
    return min(quota, available) if quota else available


def _cpu_set() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _cgroup_quota(path: str = "/sys/fs/cgroup/cpu.max") -> int:
    """cgroup v2's `quota period` (or `max period` without a limit), rounded up."""
    try:
        with open(path) as limits:
            quota, period = limits.read().split()[:2]
    except (OSError, ValueError):
        return 0
    if quota == "max" or not quota.isdigit() or not period.isdigit() or int(period) == 0:
        return 0
    return max(1, -(-int(quota) // int(period)))


def _positive(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if value.isascii() and value.isdigit() and int(value) > 0:
        return int(value)
    return default


def web_workers(*, available: int | None = None) -> int:
    # WEB_CONCURRENCY is gunicorn's and the platforms' usual name for it.
    return _positive("WEB_CONCURRENCY", 2 * (available or cores()))


def web_threads() -> int:
    return _positive("WEB_THREADS", 1)


def worker_concurrency(*, available: int | None = None) -> int:
    return _positive("CELERY_WORKER_CONCURRENCY", available or cores())
