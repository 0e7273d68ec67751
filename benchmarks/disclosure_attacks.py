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
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import banner, setup_django, table

DATABASE = "parcours_bench_attacks"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reuse", action="store_true", help="keep the database of a last run")
    parser.add_argument("--output", help="also write the report to this file")
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
    lines = [banner("Disclosure attacks on the releases `make run` publishes")]
    lines.append(f"built in {time.perf_counter() - started:.0f} s")
    rows: list[list[object]] = []
    details: list[str] = []
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
            for label, run in (
                ("protection intervals", lambda m=model: protection_intervals(m)),
                ("bands by difference", lambda m=model: band_differences(m)),
                (
                    "insiders",
                    lambda m=model, p=publication: insiders(
                        m, truth=p.truth, region_of=p.region_of
                    ),
                ),
            ):
                clock = time.perf_counter()
                findings = run()
                seconds = time.perf_counter() - clock
                threats = Counter(f.threat for f in findings)
                deps = {p[3] for f in findings for p in f.places if p[2] == "departement"}
                by = {f.insider for f in findings if f.insider}
                others = sum(
                    1
                    for f in findings
                    if f.insider and any(p[2] == "departement" for p in f.places)
                )
                what = ", ".join(f"{n} {t}" for t, n in sorted(threats.items())) or "none"
                extra = f"; by {len(by)} insiders, {others} in other départements" if by else ""
                rows.append(
                    [
                        name,
                        label,
                        len(findings),
                        f"{what} ({len(deps)} départements{extra})",
                        f"{seconds:.1f}",
                    ]
                )
                if findings:
                    details.append(f"-- {name}, {label}:")
                    details += [f"   {f}" for f in findings[: args.details]]
                    if len(findings) > args.details:
                        details.append(f"   … and {len(findings) - args.details} more")
    lines.append(table(headers=["publication", "attack", "found", "what", "seconds"], rows=rows))
    lines += details
    report = "\n".join(lines)
    print(report)
    if args.output:
        Path(args.output).write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
