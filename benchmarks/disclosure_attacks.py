"""What the suite's attacker finds on the releases `make run` publishes: each year alone, each
year with its quarters, and each département as an insider.

Builds what `make run` builds (the 101 départements provisioned, the demo, `demo_release_ensure`,
and 2024's quarters when it does not publish them) in a database of its own, then runs the
attack models of `tests/parcours/reporting/attacker.py` and prints what each finds, with its
time. The test suite asserts the same findings are empty (`test_attacks_release.py`).

Run: `infra/dev/with_services.py .venv/bin/python -m benchmarks.disclosure_attacks
[--reuse] [--output benchmarks/results/disclosure_attacks.txt]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import banner, setup_django, table

DATABASE = "parcours_bench_attacks"


def timed(run):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    found = run()
    return found, time.perf_counter() - started


def summary(findings) -> str:  # type: ignore[no-untyped-def]
    """Counts by threat, what is pinned to one value, and who: "2 small cell (2 dép.)"."""
    parts = []
    for threat, n in sorted(Counter(f.threat for f in findings).items()):
        of = [f for f in findings if f.threat == threat]
        deps = {p[3] for f in of for p in f.places if p[2] == "departement"}
        pinned = sum(1 for f in of if f.high - f.low < 1e-4)
        text = f"{n} {threat}"
        if threat in {"band narrowed", "insider narrows", "small cell"}:
            text += f" ({pinned} to one value)"
        text += f", {len(deps)} dép."
        insiders = {f.insider for f in of if f.insider}
        if insiders:
            others = sum(
                1 for f in of if any(p[2] == "departement" and p[3] != f.insider for p in f.places)
            )
            text += f", by {len(insiders)} insiders, {others} of other départements"
        parts.append(text)
    return "; ".join(parts) or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reuse", action="store_true", help="keep the database of a last run")
    parser.add_argument("--output", help="also write the report to this file")
    parser.add_argument("--note", default="", help="a line saying what code was attacked")
    parser.add_argument("--details", type=int, default=12, help="findings listed per model")
    args = parser.parse_args()
    setup_django(name=DATABASE, fresh=not args.reuse)
    from tests.parcours.reporting.attacker import (
        band_differences,
        insiders,
        protection_intervals,
    )
    from tests.parcours.reporting.published import make_run_publications

    started = time.perf_counter()
    publications = make_run_publications()
    built = time.perf_counter() - started
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    lines = [banner("Disclosure attacks on the releases `make run` publishes")]
    lines.append(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {commit}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}; publications built in {built:.0f} s"
        + (" (database reused)" if args.reuse else "")
    )
    if args.note:
        lines.append(args.note)
    rows: list[list[object]] = []
    details: list[str] = []
    whats: list[str] = []
    for publication in publications:
        years = [p for p in publication.periods if len(p) == 4]
        views = [(years, f"{publication.year} alone")] if years else []
        if len(publication.periods) > len(years):
            views.append(
                (
                    publication.periods,
                    f"{publication.year} with {len(publication.periods) - len(years)} shorter periods",
                )
            )
        for periods, name in views:
            model = publication.model(periods=periods)
            suppressed = sum(1 for f in model.figures.values() if f.disclosure == "suppressed")
            banded = sum(1 for f in model.figures.values() if f.disclosure == "banded")
            lines.append(
                f"{name}: {len(model.figures)} figures under control, {suppressed} suppressed, "
                f"{banded} banded, {len(model.unknowns)} unknowns in "
                f"{len(model.components)} components"
            )
            public_cells = timed(lambda m=model: protection_intervals(m))
            public_bands = timed(lambda m=model: band_differences(m))
            inside = timed(
                lambda m=model, p=publication, c=public_cells, b=public_bands: insiders(
                    m, truth=p.truth, region_of=p.region_of, public=[*c[0], *b[0]]
                )
            )
            if len(periods) > 1:
                own = [f for f in public_bands[0] if f.places[0][0] == publication.year]
                deps = {f.places[0][3] for f in own if f.places[0][2] == "departement"}
                pinned = [f for f in own if f.high - f.low < 1e-4]
                pinned_deps = sorted(
                    {f.places[0][3] for f in pinned if f.places[0][2] == "departement"}
                )
                lines.append(
                    f"  of which figures of the year {publication.year} itself: {len(own)} "
                    f"bands narrowed ({len(deps)} départements), {len(pinned)} to one value "
                    f"({len(pinned_deps)} départements: {', '.join(pinned_deps)})"
                )
            for label, (findings, seconds) in (
                ("protection intervals", public_cells),
                ("bands by difference", public_bands),
                ("insiders", inside),
            ):
                rows.append([name, label, len(findings), f"{seconds:.1f}"])
                whats.append(f"{name}, {label}: {summary(findings)}")
                if findings:
                    details.append(f"-- {name}, {label}:")
                    details += [f"   {f}" for f in findings[: args.details]]
                    if len(findings) > args.details:
                        details.append(f"   … and {len(findings) - args.details} more")
    lines.append(table(headers=["publication", "attack", "found", "seconds"], rows=rows))
    lines += whats
    lines += details
    report = "\n".join(lines)
    print(report)
    if args.output:
        Path(args.output).write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
