"""Provisioning every département: our blueprint path against django-tenants' per-schema migrate.

Both paths go through `tenant_provision` (same tenant, domain and audit rows, same checks);
only `method` differs. Each runs in a database of its own, created empty for the run:
`parcours_bench` (ours, kept afterwards with its 101 schemas for the other benchmarks) and
`parcours_bench_stock` (dropped at the end). The one-off blueprint build (a stock migration
into a scratch schema, recorded) is counted in our total.

No database is dropped before or between measurements, only at the end: see
`set_aside_leftovers` in `common.py` for why a drop just before provisioning skews the figures.

Ours is measured twice: one département after the other (per-département figures, comparable
with stock, which has no parallel path), and as an operator runs it, `manage.py provision --all`
with its default number of processes (one per core plus one), in `parcours_bench_parallel`.

    python -m benchmarks.provisioning [--stock-sample N] [--stock-budget SECONDS] [--count N]

Stock provisioning costs about half a second to a second per département, and more as the
migrations grow: `--stock-sample N` (the first N only) or `--stock-budget SECONDS` (stop once
that much time is spent, at least 5 départements) give a per-département mean, and the total
for all is then EXTRAPOLATED from it and labelled so.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    # Run as a file: make `benchmarks` importable (and keep this folder off the path).
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks.common import (
    BENCH_DATABASE,
    Stopwatch,
    all_codes,
    banner,
    current_database,
    drop_database,
    median,
    percentile,
    server_kind,
    set_aside_leftovers,
    setup_django,
    switch_database,
    table,
)

STOCK_DATABASE = "parcours_bench_stock"
PARALLEL_DATABASE = "parcours_bench_parallel"
TARGET_TOTAL_SECONDS = 15.0
TARGET_SPEEDUP = 5.0


@dataclass(frozen=True)
class Run:
    label: str
    per_tenant: list[float]  # seconds, one per provisioned département
    total: float  # wall clock of the whole loop, seconds (including any one-off build)
    build: float = 0.0

    @property
    def mean_ms(self) -> float:
        return 1000 * sum(self.per_tenant) / len(self.per_tenant)

    @property
    def p95_ms(self) -> float:
        return 1000 * percentile(self.per_tenant, pct=95)

    @property
    def median_ms(self) -> float:
        return 1000 * median(self.per_tenant)


def _provision_all(*, codes: list[str], method: str, budget: float = 0.0) -> Run:
    from parcours.departements.provisioning import tenant_blueprint, tenant_provision

    per_tenant: list[float] = []
    started = time.perf_counter()
    build = 0.0
    if method == "blueprint":
        # Built once per process (and per set of migrations); part of what the fast path costs.
        with Stopwatch() as sw:
            tenant_blueprint()
        build = sw.seconds
    for code in codes:
        with Stopwatch() as sw:
            result = tenant_provision(code=code, method=method)
        if not result.created:
            raise RuntimeError(f"{code} already existed: the benchmark database is not fresh")
        per_tenant.append(sw.seconds)
        if budget and len(per_tenant) >= 5 and time.perf_counter() - started > budget:
            break
    return Run(method, per_tenant, time.perf_counter() - started, build)


def _provision_command(*, codes: list[str]) -> tuple[float, int]:
    """`manage.py provision` as an operator runs it, blueprint build included: (seconds, jobs)."""
    from django.core.management import call_command

    from parcours.departements import provisioning
    from parcours.departements.management.commands.provision import default_jobs

    provisioning._blueprint_cache.clear()  # built again, as in a fresh process
    jobs = default_jobs()
    with Stopwatch() as sw:
        call_command("provision", *codes, jobs=jobs, verbosity=0)
    return sw.seconds, jobs


def _file_creation_probe(*, tables: int = 40) -> float:
    """Milliseconds per `CREATE TABLE` of one column, rolled back: the disk's state, printed
    before and after the runs so that a slow file system shows as such (see common.py)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA probe_files")
        with Stopwatch() as sw:
            for index in range(tables):
                cursor.execute(f"CREATE TABLE probe_files.t{index} (id integer PRIMARY KEY)")
        transaction.set_rollback(True)
    return 1000 * sw.seconds / tables


def _catalog_signature(*, schema: str) -> tuple[tuple[str, ...], ...]:
    """What a schema is made of, with its name taken out, to compare two of them."""
    from django.db import connection

    queries = [
        "SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, '') "
        "FROM information_schema.columns WHERE table_schema = %(s)s",
        "SELECT tablename, indexname, replace(indexdef, %(s)s || '.', '') "
        "FROM pg_indexes WHERE schemaname = %(s)s",
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
        "WHERE n.nspname = %(s)s",
        "SELECT event_object_table, trigger_name, event_manipulation, action_statement "
        "FROM information_schema.triggers WHERE trigger_schema = %(s)s",
        "SELECT p.proname, pg_get_function_result(p.oid) FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %(s)s",
        "SELECT 'migration', app, name FROM django_migrations",
    ]
    rows: list[tuple[str, ...]] = []
    connection.set_schema(schema, include_public=False)
    try:
        with connection.cursor() as cursor:
            for sql in queries:
                cursor.execute(sql, {"s": schema})
                rows.extend(
                    tuple(str(v).replace(f'"{schema}".', "").replace(f"{schema}.", "") for v in r)
                    for r in cursor.fetchall()
                )
    finally:
        connection.set_schema_to_public()
    return tuple(sorted(rows))


def _count_schemas() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'dep\\_%%'")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--count", type=int, default=0, help="provision only the first N départements (0: all)"
    )
    parser.add_argument(
        "--stock-sample",
        type=int,
        default=0,
        help="run the stock path for the first N only and extrapolate (0: all, the default)",
    )
    parser.add_argument(
        "--stock-budget",
        type=float,
        default=0.0,
        help="stop the stock path after this many seconds and extrapolate (0: no limit)",
    )
    parser.add_argument("--keep-stock-db", action="store_true", help="keep parcours_bench_stock")
    args = parser.parse_args(argv)

    leftovers = set_aside_leftovers(names=[BENCH_DATABASE, PARALLEL_DATABASE, STOCK_DATABASE])
    setup_django(name=BENCH_DATABASE, fresh=True)
    codes = all_codes()
    if args.count:
        codes = codes[: args.count]
    n = len(codes)
    sample = n if not args.stock_sample else min(args.stock_sample, n)

    print(banner(f"Provisioning {n} départements: blueprint (ours) vs stock django-tenants"))
    print(
        f"server: {server_kind()}; leftover databases set aside until the end: "
        f"{', '.join(leftovers) or 'none'}"
    )

    probe_before = _file_creation_probe()
    ours = _provision_all(codes=codes, method="blueprint")
    ours_schemas = _count_schemas()
    ours_signature = _catalog_signature(schema=f"dep_{codes[0].lower()}")
    print(f"ours:  {n} provisioned in {ours.total:.2f} s in database {current_database()}")

    switch_database(name=PARALLEL_DATABASE, fresh=True)
    parallel_total, jobs = _provision_command(codes=codes)
    parallel_schemas = _count_schemas()
    parallel_signature = _catalog_signature(schema=f"dep_{codes[0].lower()}")
    print(
        f"ours, `provision` with {jobs} processes: {n} provisioned in {parallel_total:.2f} s "
        f"in database {current_database()}"
    )
    switch_database(name=STOCK_DATABASE, fresh=True)
    stock = _provision_all(codes=codes[:sample], method="stock", budget=args.stock_budget)
    budget_hit = len(stock.per_tenant) < sample
    sample = len(stock.per_tenant)
    stock_schemas = _count_schemas()
    stock_signature = _catalog_signature(schema=f"dep_{codes[0].lower()}")
    print(
        f"stock: {sample} provisioned in {stock.total:.2f} s in database {current_database()}"
        + (f" (stopped: time budget of {args.stock_budget:.0f} s reached)" if budget_hit else "")
    )
    probe_after = _file_creation_probe()  # before our own drops below
    from django.db import connection

    connection.close()
    drop_database(name=PARALLEL_DATABASE)
    if not args.keep_stock_db:
        drop_database(name=STOCK_DATABASE)
    for name in leftovers:
        drop_database(name=name)

    extrapolated = sample < n
    stock_total = stock.total / sample * n if extrapolated else stock.total
    stock_total_label = (
        f"{stock_total:.2f} (EXTRAPOLATED from {sample})" if extrapolated else f"{stock_total:.2f}"
    )
    speedup = stock_total / ours.total
    parallel_speedup = stock_total / parallel_total
    best = min(ours.total, parallel_total)
    print()
    print(
        table(
            headers=["", "ours (blueprint)", "stock django-tenants", "stock / ours"],
            rows=[
                ["départements", n, sample, ""],
                [f"total for {n}, s", f"{ours.total:.2f}", stock_total_label, f"{speedup:.1f}x"],
                ["  of which blueprint build, s", f"{ours.build:.2f}", "-", ""],
                [
                    f"total for {n}, `provision` ({jobs} processes), s",
                    f"{parallel_total:.2f}",
                    "-",
                    f"{parallel_speedup:.1f}x",
                ],
                [
                    "per département, mean, ms",
                    f"{ours.mean_ms:.1f}",
                    f"{stock.mean_ms:.1f}",
                    f"{stock.mean_ms / ours.mean_ms:.1f}x",
                ],
                [
                    "per département, median, ms",
                    f"{ours.median_ms:.1f}",
                    f"{stock.median_ms:.1f}",
                    "",
                ],
                [
                    "per département, p95, ms",
                    f"{ours.p95_ms:.1f}",
                    f"{stock.p95_ms:.1f}",
                    f"{stock.p95_ms / ours.p95_ms:.1f}x",
                ],
                [
                    "dep_* schemas created",
                    f"{ours_schemas} + {parallel_schemas}",
                    stock_schemas,
                    "",
                ],
            ],
        )
    )
    print(
        f"file-creation probe (CREATE TABLE of one column and its index, rolled back): "
        f"{probe_before:.2f} ms before the runs, {probe_after:.2f} ms after them; several times "
        "a quiet disk's figure means recent deletions slow file creation down (README)"
    )
    same = ours_signature == stock_signature == parallel_signature
    print(
        f"\nschema dep_{codes[0].lower()} from the blueprint (both runs) vs from stock migrate: "
        f"{'identical' if same else 'DIFFERENT'} catalogs ({len(ours_signature)} rows of columns, "
        "indexes, constraints, triggers, functions and applied migrations compared)"
    )
    if not same:
        for row in sorted(set(ours_signature) ^ set(stock_signature))[:20]:
            side = "ours only " if row in ours_signature else "stock only"
            print(f"  {side}: {row}")
    print(
        f"target: all {n} in < {TARGET_TOTAL_SECONDS:.0f} s: "
        f"{'MET' if best < TARGET_TOTAL_SECONDS else 'NOT MET'} "
        f"({parallel_total:.2f} s with `provision`, {ours.total:.2f} s one after the other); "
        f">= {TARGET_SPEEDUP:.0f}x faster than stock: "
        f"{'MET' if speedup >= TARGET_SPEEDUP else 'NOT MET'} ({speedup:.1f}x one after the other, "
        f"{parallel_speedup:.1f}x with `provision`{', stock extrapolated' if extrapolated else ''})"
    )
    ok = ours_schemas == n == parallel_schemas and stock_schemas == sample and same
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
