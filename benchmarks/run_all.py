"""Run every benchmark, print the figures and keep them in `benchmarks/results/latest.txt`.

    make bench                       # = infra/dev/with_services.py python benchmarks/run_all.py
    python benchmarks/run_all.py [--stock-sample N | --full-stock] [--quick] [--keep-databases]
                                 [--load]

Each benchmark runs in a process of its own (a fresh Django, a fresh connection), in order:
provisioning (creates `parcours_bench` with the 101 départements), migrate_noop and routing
(which reuse it). The benchmark databases are dropped at the end unless --keep-databases.
`--load` adds the load benchmark (load.py: gunicorn and runserver under concurrent clients,
some three minutes more; with --quick, its 2-client smoke).

To stay within about three minutes, the stock provisioning path gets a time budget
(`STOCK_BUDGET_SECONDS`): if it has not provisioned all 101 by then, its total is extrapolated
from the per-département mean, and printed as such. `--full-stock` lifts the budget.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    # Run as a file: make `benchmarks` importable (and keep this folder off the path).
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks.common import (
    BENCH_DATABASE,
    ROOT,
    caller_url,
    drop_database,
    load_average,
    server_kind,
    server_version,
)

RESULTS = ROOT / "benchmarks" / "results" / "latest.txt"
STOCK_BUDGET_SECONDS = 30


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _nproc() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 0


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for package in ("Django", "django-tenants", "psycopg2-binary"):
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            parts.append(f"{package} ?")
    return ", ".join(parts)


def _source_state() -> dict[str, tuple[int, int]]:
    """(mtime, size) of the application's Python files, to notice edits made during a run."""
    state: dict[str, tuple[int, int]] = {}
    for top in ("platform", "tenants", "api", "frontend"):
        for path in (ROOT / top).rglob("*.py"):
            try:
                stat = path.stat()
            except OSError:  # deleted while we walk: it shows up as a change anyway
                continue
            state[str(path.relative_to(ROOT))] = (stat.st_mtime_ns, stat.st_size)
    return state


def _changed(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


def header() -> str:
    commit = _git("rev-parse", "HEAD") or "?"
    # Tracked files only: the benchmarks folder itself may not be committed yet.
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return "\n".join(
        [
            "Parcours benchmarks: our code side by side with stock django-tenants",
            f"date:       {dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
            f"commit:     {commit}{' (with uncommitted changes)' if dirty else ''}",
            f"machine:    nproc={_nproc()}, {_cpu_model()}, {platform.system()} "
            f"{platform.release()}, load average {load_average()}",
            f"python:     {platform.python_version()} ({sys.executable})",
            f"packages:   {_versions()}",
            f"postgresql: {server_version()} via {server_kind()}",
        ]
    )


def run_benchmark(module: str, args: list[str], sink: list[str]) -> int:
    """Run `python -m benchmarks.<module>`, echoing its output as it comes and keeping it."""
    command = [sys.executable, "-m", f"benchmarks.{module}", *args]
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # a traceback belongs in the results too
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        sink.append(line.rstrip("\n"))
    code = process.wait()
    footer = f"[{module}: exit {code}, {time.perf_counter() - started:.1f} s]"
    print(footer, flush=True)
    sink.append(footer)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--stock-sample",
        type=int,
        default=0,
        help="stock provisioning for the first N départements only, extrapolated (0: all 101)",
    )
    parser.add_argument(
        "--full-stock",
        action="store_true",
        help=f"no time budget for stock provisioning (default: {STOCK_BUDGET_SECONDS} s)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer requests and repeats: a smoke run"
    )
    parser.add_argument("--keep-databases", action="store_true")
    parser.add_argument(
        "--load",
        action="store_true",
        help="also the load benchmark (load.py): gunicorn beside runserver, 8 and 32 clients",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    caller_url()  # fails early, with an explanation, when DATABASE_URL is missing
    started = time.perf_counter()
    sources_before = _source_state()
    lines = [header()]
    print(lines[0], flush=True)

    provisioning_args = ["--stock-sample", str(args.stock_sample)] if args.stock_sample else []
    if not args.full_stock:
        provisioning_args += ["--stock-budget", str(STOCK_BUDGET_SECONDS)]
    routing_args = ["--requests", "400", "--warmup", "50", "--rounds", "8"] if args.quick else []
    noop_args = ["--repeat", "1"] if args.quick else []
    if args.quick and not args.stock_sample:
        provisioning_args = ["--stock-sample", "10"]
    if args.keep_databases:
        provisioning_args.append("--keep-stock-db")

    failed = []
    # The load benchmark is opt-in: it occupies both cores for minutes.
    load_step = [("load", ["--smoke"] if args.quick else [])] if args.load else []
    for module, module_args in (
        ("provisioning", provisioning_args),
        ("migrate_noop", noop_args),
        ("routing", routing_args),
        ("casework", ["--requests", "50" if args.quick else "100"]),
        ("commission", []),
        (
            "statistics_release",
            ["--requests", "20", "--scale", "10", "--no-naive"]
            if args.quick
            else ["--requests", "50"],
        ),
        *load_step,
    ):
        if run_benchmark(module, module_args, lines) != 0:
            failed.append(module)

    if not args.keep_databases:
        drop_database(name=BENCH_DATABASE)
        if args.load:
            from benchmarks.load import DATABASE as LOAD_DATABASE

            drop_database(name=LOAD_DATABASE)
    summary = (
        f"\nall benchmarks: {time.perf_counter() - started:.0f} s, load average at the end "
        f"{load_average()}; "
        + (f"FAILED: {', '.join(failed)}" if failed else "every benchmark ran to the end")
    )
    print(summary, flush=True)
    lines.append(summary)
    changed = _changed(sources_before, _source_state())
    migrations = [name for name in changed if "/migrations/" in name]
    if changed:
        # Benchmarks compare code paths on the same migrations: an edit in the middle of a run
        # (a migration added, squashed…) makes the figures of its two halves incomparable.
        warning = (
            (
                f"WARNING: {len(migrations)} migration file(s) changed during the run: the "
                "figures compare two states of the schema, run again"
                if migrations
                else "note: application files changed during the run (no migration)"
            )
            + f": {', '.join((migrations or changed)[:8])}"
            + (" …" if len(migrations or changed) > 8 else "")
        )
        print(warning, flush=True)
        lines.append(warning)

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written to {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
