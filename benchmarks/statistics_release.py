"""National statistics at 100 times the 2024 volume: a full release and the national pages.

Provisions the 101 départements in a database of its own, seeds 100 times the persons in a PSP
of 31/12/2024 (90,300, with their files and periods) through `national_figures_seed`, then times
`release_run_sync` (extraction of every département, one schema after the other, consolidation,
disclosure control, publication) and the national statistics pages and API with their query
counts. Targets (issue #11): release under 10 s; pages under 150 ms median, constant queries.

Run: `infra/dev/with_services.py .venv/bin/python benchmarks/statistics_release.py [--scale 100]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    all_codes,
    banner,
    ensure_provisioned,
    median,
    percentile,
    setup_django,
    table,
)

DATABASE = "parcours_bench_statistics"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--releases", type=int, default=3)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    setup_django(name=DATABASE)
    print(banner(f"National statistics at {args.scale}x the 2024 volume, 101 départements"))

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from parcours.accounts.models import Role, User
    from parcours.accounts.services import membership_grant
    from parcours.reporting.seeding import distribution_2024, national_figures_seed
    from parcours.reporting.services import release_run_sync
    from parcours.workflows.services import workflow_templates_load

    workflow_templates_load()
    started = time.perf_counter()
    ensure_provisioned(codes=all_codes())
    print(f"provisioned in {time.perf_counter() - started:.1f} s")
    distribution = {
        code: n * args.scale for code, n in distribution_2024(codes=all_codes()).items()
    }
    started = time.perf_counter()
    seeded = national_figures_seed(distribution=distribution)
    print(
        f"seeded {sum(seeded.seeded.values())} persons in pathway "
        f"in {time.perf_counter() - started:.1f} s"
    )
    timings = []
    for _ in range(args.releases):
        started = time.perf_counter()
        release = release_run_sync(
            period_kind="year", period_start=dt.date(2024, 1, 1), actor_id=None
        )
        timings.append(time.perf_counter() - started)
    france = release.figures.get(level="france", indicator="persons_in_pathway", dimension="")
    print(
        f"release: {france.shown} persons in pathway, "
        f"{len(release.departements_included)} départements, "
        f"{release.figures.filter(disclosure='suppressed').count()} cells suppressed"
    )
    rows: list[list[object]] = [
        [
            "full release (101 extractions, consolidation, disclosure control, publication)",
            args.releases,
            f"{median(timings) * 1000:.0f}",
            f"{max(timings) * 1000:.0f}",
            "",
            "yes" if median(timings) < 10 else "NO",
        ]
    ]
    user = User.objects.filter(email="analyste@bench").first() or User.objects.create_user(
        email="analyste@bench", password=None
    )
    membership_grant(user=user, role=Role.NATIONAL_ANALYST, tenant=None, actor_id=None)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    targets = {
        "dashboard (/statistiques/)": "/statistiques/",
        "oversight (/statistiques/commissions/)": "/statistiques/commissions/",
        "figures API (page of 200)": f"/api/v1/statistics/releases/{release.pk}/figures/"
        "?page_size=200",
    }
    for label, url in targets.items():
        for _ in range(10):
            assert client.get(url).status_code == 200
        page_timings = []
        for _ in range(args.requests):
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            page_timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        rows.append(
            [
                label,
                args.requests,
                f"{median(page_timings):.1f}",
                f"{percentile(page_timings, pct=95):.1f}",
                len(queries),
                "yes" if median(page_timings) < 150 else "NO",
            ]
        )
    print(
        table(
            headers=["measure", "runs", "median ms", "max/p95 ms", "SQL queries", "on target"],
            rows=rows,
        )
    )


if __name__ == "__main__":
    main()
