"""Pointing Django at a throw-away benchmark database, and small helpers shared by the benchmarks.

The caller's `DATABASE_URL` (set by `infra/dev/with_services.py` when unset: the embedded
server) only names the *server*: every benchmark works in databases of its own on that server
(`parcours_bench`, …), dropped and re-created on demand, so the caller's data is never touched.
The environment is switched *before* `django.setup()`, because settings read `DATABASE_URL`
when they are imported.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# Another name (starting with parcours_bench) keeps runs of people sharing a server apart.
BENCH_DATABASE = os.environ.get("PARCOURS_BENCH_DATABASE", "parcours_bench")

# Appended, never prepended: `platform/` must not shadow the standard library's `platform`.
for _source_root in (ROOT, ROOT / "platform"):
    if str(_source_root) not in sys.path:
        sys.path.append(str(_source_root))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")

# The URL of the caller's database, kept before we overwrite DATABASE_URL with ours.
_CALLER_URL = os.environ.get("PARCOURS_BENCH_SERVER_URL") or os.environ.get("DATABASE_URL", "")


def caller_url() -> str:
    if not _CALLER_URL:
        raise SystemExit(
            "DATABASE_URL is not set: run the benchmarks with `make bench` (or through "
            "`infra/dev/with_services.py`), which provides a server."
        )
    return _CALLER_URL


def database_url(*, name: str) -> str:
    """The caller's URL with another database name; host, port, socket and query kept as is."""
    parts = urlsplit(caller_url())
    # The netloc is reused verbatim: a percent-encoded socket directory stays encoded.
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _server_params() -> dict[str, Any]:
    import dj_database_url

    parsed = dj_database_url.parse(caller_url())
    params: dict[str, Any] = {"dbname": "postgres", "user": parsed.get("USER") or "postgres"}
    if parsed.get("PASSWORD"):
        params["password"] = parsed["PASSWORD"]
    if parsed.get("HOST"):
        params["host"] = parsed["HOST"]  # a directory for a unix socket: libpq accepts both
    if parsed.get("PORT"):
        params["port"] = int(parsed["PORT"])
    return params


@contextmanager
def maintenance_cursor() -> Iterator[Any]:
    """A cursor on the server's `postgres` database, in autocommit (CREATE DATABASE needs it)."""
    import psycopg2

    conn = psycopg2.connect(**_server_params())
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            yield cursor
    finally:
        conn.close()


def _check_name(name: str) -> str:
    # Only our own names reach here, but they are interpolated: refuse anything unexpected,
    # and above all the caller's database.
    if not name.replace("_", "").isalnum() or not name.startswith("parcours_bench"):
        raise ValueError(f"refusing to manage database {name!r}")
    import dj_database_url

    if name == dj_database_url.parse(caller_url()).get("NAME"):
        raise ValueError(f"refusing to touch the caller's database {name!r}")
    return name


def database_exists(*, name: str) -> bool:
    with maintenance_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def recreate_database(*, name: str) -> None:
    _check_name(name)
    with maintenance_cursor() as cursor:
        # FORCE: a previous run killed mid-way may have left a connection behind.
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')


def drop_database(*, name: str) -> None:
    _check_name(name)
    with maintenance_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# On a file system that checks each new inode against recently deleted ones (ext4 without a
# journal, as on this project's VMs: the kernel's `recently_deleted()`), creating files is slower
# for minutes after a mass deletion. Dropping a database of 101 départements deletes some 17,000
# files, and provisioning creates as many: a benchmark that drops and then provisions measures
# the file system's penalty, not ours. Measured here, per département (its schema script alone):
# about 105 ms before any deletion; 327, 282, 196, 177 and 150 ms at 0, 1, 1.5, 3 and 4 minutes
# after such a drop. So leftover databases are renamed out of the way (no file is deleted) and
# dropped at the end of the run.
LEFTOVER_MARK = "_leftover_"


def set_aside_leftovers(*, names: Iterable[str]) -> list[str]:
    """Rename existing benchmark databases out of the way, to be dropped after measuring.

    Each gets a name of its own (a timestamp), so that nothing needs dropping now, not even a
    database an interrupted run set aside; those are returned too, for the same end-of-run drop.
    """
    stamp = time.strftime("%Y%m%d%H%M%S")
    with maintenance_cursor() as cursor:
        for name in names:
            _check_name(name)
            if not database_exists(name=name):
                continue
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
            )
            target = _check_name(f"{name}{LEFTOVER_MARK}{stamp}")
            cursor.execute(f'ALTER DATABASE "{name}" RENAME TO "{target}"')
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY datname",
            ["parcours\\_bench%\\_leftover\\_%"],  # LEFTOVER_MARK, its _ escaped for LIKE
        )
        return [row[0] for row in cursor.fetchall()]


def server_version() -> str:
    with maintenance_cursor() as cursor:
        cursor.execute("SHOW server_version")
        row = cursor.fetchone()
    return str(row[0]) if row else "?"


def server_kind() -> str:
    import dj_database_url

    host = str(dj_database_url.parse(caller_url()).get("HOST") or "")
    if host.startswith("/"):
        return f"unix socket {host} (embedded pgserver when under .data/)"
    return f"TCP {host or 'localhost'}"


def _prepare_schema() -> None:
    """Shared apps into public and the reference data: what every benchmark starts from."""
    from django.core.management import call_command
    from django.db import connection

    from parcours.referentiel.services import referentiel_load

    connection.set_schema_to_public()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    referentiel_load()


def setup_django(*, name: str = BENCH_DATABASE, fresh: bool = True) -> None:
    """Create (or reuse) the benchmark database, point DATABASE_URL at it, then set Django up."""
    _check_name(name)
    if fresh or not database_exists(name=name):
        recreate_database(name=name)
    # Child processes (multiprocessing executor) and a later run_all step find the server here.
    os.environ["PARCOURS_BENCH_SERVER_URL"] = caller_url()
    os.environ["DATABASE_URL"] = database_url(name=name)

    import django

    django.setup()
    _prepare_schema()


def switch_database(*, name: str, fresh: bool = True) -> None:
    """Point the already set-up Django at another benchmark database, in the same process."""
    from django.conf import settings
    from django.db import connections

    from parcours.departements.routing import forget_hosts

    _check_name(name)
    if fresh or not database_exists(name=name):
        recreate_database(name=name)
    connection = connections["default"]
    connection.close()
    # The wrapper's settings_dict is settings.DATABASES["default"] itself; set both anyway.
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name
    os.environ["DATABASE_URL"] = database_url(name=name)
    forget_hosts()
    _prepare_schema()


def current_database() -> str:
    from django.db import connection

    return str(connection.settings_dict["NAME"])


def all_codes() -> list[str]:
    from parcours.referentiel.models import Departement

    return list(Departement.objects.order_by("code").values_list("code", flat=True))


def provisioned_codes() -> set[str]:
    from django.db import connection

    from parcours.departements.models import Tenant

    connection.set_schema_to_public()
    return set(Tenant.objects.values_list("code", flat=True))


def ensure_provisioned(*, codes: Iterable[str]) -> int:
    """Provision (fast path) whichever of `codes` is missing; returns how many were created."""
    from parcours.departements.provisioning import tenant_provision

    missing = [code for code in codes if code not in provisioned_codes()]
    for code in missing:
        tenant_provision(code=code, method="blueprint")
    return len(missing)


# --- Figures --------------------------------------------------------------------------------


def percentile(values: Sequence[float], *, pct: float) -> float:
    """Linear-interpolation percentile (the same as numpy's default)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(*, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table; the first column is left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def banner(title: str) -> str:
    return f"\n{'=' * 78}\n{title}\n{'=' * 78}"


class Stopwatch:
    """`with Stopwatch() as sw: …` then `sw.seconds`."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __enter__(self) -> Stopwatch:
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._started


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "?"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def python_speed() -> str:
    """This machine's pure-Python speed, for comparing figures taken on different machines of
    the same kind (the same page has cost 13 to 15 ms of Python on one, 20 to 37 ms on
    another): the best of three runs of a fixed loop, in milliseconds, lower is faster."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for number in range(1_000_000):
            total += number
        best = min(best, time.perf_counter() - started)
    return f"{best * 1000:.0f} ms for a million additions in a Python loop (best of 3)"
