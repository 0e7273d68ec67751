"""`migrate_schemas` when nothing is pending: ours (skips up-to-date schemas) vs stock.

Works in `parcours_bench` (left by the provisioning benchmark; whatever département is missing
is provisioned first, fast path), so 101 schemas plus public are all up to date. Each variant
runs `--repeat` times, interleaved (ours, stock, stock multiprocessing, ours, …) so that a
burst of noise on the machine does not land on one variant only; the median is reported.

    python -m benchmarks.migrate_noop [--repeat 3] [--count N]
"""

from __future__ import annotations

import argparse
import io
import sys
import traceback
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a file: make `benchmarks` importable (and keep this folder off the path).
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks.common import (
    BENCH_DATABASE,
    Stopwatch,
    all_codes,
    banner,
    ensure_provisioned,
    median,
    provisioned_codes,
    server_kind,
    setup_django,
    table,
)

TARGET_OURS_SECONDS = 1.0

VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("ours (skips up-to-date schemas)", {}),
    ("stock, standard executor (--force)", {"force": True}),
    ("stock, multiprocessing executor", {"force": True, "executor": "multiprocessing"}),
]


def _applied_rows() -> int:
    """Rows of django_migrations over every schema: a no-op migrate must not change it."""
    from django.db import connection

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'django_migrations'"
        )
        schemas = [row[0] for row in cursor.fetchall()]
        union = " UNION ALL ".join(f'SELECT 1 FROM "{s}".django_migrations' for s in schemas)
        cursor.execute(f"SELECT count(*) FROM ({union}) AS t")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _migrate(**options: Any) -> float:
    from django.core.management import call_command
    from django.db import connection

    # Every variant starts on a fresh connection, as `manage.py migrate_schemas` would: stock
    # closes it after each schema anyway, so reusing one would favour whichever runs first.
    connection.close()
    connection.set_schema_to_public()
    with Stopwatch() as sw:
        call_command("migrate_schemas", interactive=False, verbosity=0, **options)
    connection.set_schema_to_public()
    return sw.seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--count", type=int, default=0, help="départements to have provisioned (0: all)"
    )
    args = parser.parse_args(argv)

    setup_django(name=BENCH_DATABASE, fresh=False)
    codes = all_codes()
    if args.count:
        codes = codes[: args.count]
    with Stopwatch() as prep:
        created = ensure_provisioned(codes=codes)
    schemas = len(provisioned_codes())

    from django.conf import settings
    from django.core.management import call_command

    print(banner(f"migrate_schemas with nothing to do, {schemas} département schemas + public"))
    print(
        f"server: {server_kind()}; provisioned before the run: {created} "
        f"({prep.seconds:.1f} s); multiprocessing executor: "
        f"{getattr(settings, 'TENANT_MULTIPROCESSING_MAX_PROCESSES', 2)} processes"
    )

    # A reused database may lag behind the code (a migration added since it was provisioned):
    # bring it up to date first, untimed, so that what is measured really is the no-op.
    from parcours.departements.management.commands.migrate_schemas import schemas_behind
    from parcours.departements.models import Tenant

    all_schemas = ["public", *Tenant.objects.values_list("schema_name", flat=True)]
    lagging = schemas_behind(schema_names=all_schemas)
    if lagging:
        with Stopwatch() as catch_up:
            call_command("migrate_schemas", interactive=False, verbosity=0)
        print(
            f"{len(lagging)} schemas were behind the migrations on disk: migrated first, "
            f"untimed ({catch_up.seconds:.1f} s)"
        )

    # Untimed check (and warm-up) that ours indeed finds everything up to date.
    out = io.StringIO()
    call_command("migrate_schemas", interactive=False, verbosity=1, stdout=out)
    print(f"ours says: {out.getvalue().strip()}")

    rows_before = _applied_rows()
    timings: dict[str, list[float]] = {label: [] for label, _ in VARIANTS}
    failures: dict[str, str] = {}
    for _ in range(args.repeat):
        for label, options in VARIANTS:
            if label in failures:
                continue
            try:
                timings[label].append(_migrate(**options))
            except Exception as exc:  # reported, not fatal: the other variants still count
                failures[label] = f"{type(exc).__name__}: {exc}"
                traceback.print_exc(file=sys.stderr)
    rows_after = _applied_rows()

    ours = median(timings[VARIANTS[0][0]])
    rows: list[list[object]] = []
    for label, _ in VARIANTS:
        runs = timings[label]
        if label in failures and not runs:
            rows.append([label, *(["-"] * args.repeat), "FAILED", "-"])
            continue
        value = median(runs)
        runs_text = [f"{r:.3f}" for r in runs] + ["-"] * (args.repeat - len(runs))
        rows.append([label, *runs_text, f"{value:.3f}", f"{value / ours:.1f}x"])
    print()
    print(
        table(
            headers=[
                "variant",
                *(f"run {i + 1}, s" for i in range(args.repeat)),
                "median, s",
                "vs ours",
            ],
            rows=rows,
        )
    )
    for label, error in failures.items():
        print(f"{label} failed: {error}")
    print(
        f"django_migrations rows over all schemas: {rows_before} before, {rows_after} after "
        f"({'unchanged' if rows_before == rows_after else 'CHANGED'})"
    )
    print(
        f"target: ours < {TARGET_OURS_SECONDS:.0f} s: "
        f"{'MET' if ours < TARGET_OURS_SECONDS else 'NOT MET'} ({ours:.3f} s)"
    )
    return 0 if rows_before == rows_after and not failures.get(VARIANTS[0][0]) else 1


if __name__ == "__main__":
    sys.exit(main())
