"""National statistics at 100 times the 2024 volume: a full release and the national pages.

Provisions the 101 départements in a database of its own, seeds 100 times the persons in a PSP
of 31/12/2024 (90,300, with their files and periods) through `national_figures_seed`, then times
`release_run_sync` (extraction of every département, consolidation, disclosure control,
publication) in one process and with the extractions forked over cores + 1 processes (as the
workers share them in production) and the national statistics pages and API with their query
counts. Targets (issue #11): release under 10 s; pages under 150 ms median, constant queries.

Side by side, the naive loop the issue compares against: the same release where each
département's persons in pathway are counted by walking them with the ORM (a query per pathway
for its period, its person and its AFIS), one schema after the other; run once (it is slow), and
its figures checked equal to the release's.

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
    parser.add_argument(
        "--no-naive", action="store_true", help="skip the naive loop (minutes at 100x)"
    )
    args = parser.parse_args()
    setup_django(name=DATABASE)
    print(banner(f"National statistics at {args.scale}x the 2024 volume, 101 départements"))

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from infra.dev.seeding.national import distribution_2024, national_figures_seed
    from parcours.accounts.models import Role, User
    from parcours.accounts.services import membership_grant
    from parcours.departements.management.commands.provision import default_jobs
    from parcours.workflows.services import workflow_templates_load
    from tenants.statistics.services import release_run_sync

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
    jobs = default_jobs()
    timings: dict[int, list[float]] = {1: [], jobs: []}
    for _ in range(args.releases):
        for processes in timings:  # interleaved, so that both see the same machine
            started = time.perf_counter()
            release = release_run_sync(
                period_kind="year",
                period_start=dt.date(2024, 1, 1),
                actor_id=None,
                jobs=processes,
            )
            timings[processes].append(time.perf_counter() - started)
    france = release.figures.get(level="france", indicator="persons_in_pathway", dimension="")
    started = time.perf_counter()
    naive = naive_release(release_id=release.pk)
    naive_seconds = time.perf_counter() - started
    assert naive.figures.get(
        level="france", indicator="persons_in_pathway", dimension=""
    ).shown == (france.shown), "the naive loop must publish the same figures"
    print(
        f"release: {france.shown} persons in pathway, "
        f"{len(release.departements_included)} départements, "
        f"{release.figures.filter(disclosure='suppressed').count()} cells suppressed"
    )
    rows: list[list[object]] = [
        *[
            [
                "full release (101 extractions, consolidation, disclosure control, publication)"
                f", {processes} process{'es' if processes > 1 else ''}",
                args.releases,
                f"{median(runs) * 1000:.0f}",
                f"{max(runs) * 1000:.0f}",
                "",
                "yes" if median(runs) < 10 else "NO",
            ]
            for processes, runs in timings.items()
        ],
    ]
    if naive_seconds:
        rows.append(
            [
                "naive loop (ORM per person, schema after schema), same release",
                1,
                f"{naive_seconds * 1000:.0f}",
                f"{naive_seconds * 1000:.0f}",
                "",
                f"x{naive_seconds / median(timings[1]):.0f} slower than 1 process",
            ]
        )
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


def naive_release(*, release_id: int):  # type: ignore[no-untyped-def]
    """The release again, its persons in pathway counted one pathway at a time with the ORM."""
    from parcours.db import connection
    from parcours.departements.models import Tenant
    from parcours.reporting.models import Release
    from parcours.reporting.services import (
        release_consolidate,
        release_start,
        staging_write,
    )
    from tenants.casework.crypto import decrypt_json
    from tenants.casework.models import Pathway
    from tenants.statistics import extraction as x

    release = Release.objects.get(pk=release_id)
    release = release_start(
        period_kind=release.period_kind,
        period_start=release.period_start,
        actor_id=None,
        queue=False,
    )
    snapshot = release.snapshot_on
    for code in release.departements_expected:
        connection.set_tenant(Tenant.objects.get(code=code))
        counts = [
            c
            for c in x.extract_counts(
                snapshot=snapshot, period_start=release.period_start, period_end=release.period_end
            )
            if c.indicator not in {x.PERSONS_IN_PATHWAY, x.AFIS_BENEFICIARIES}
        ]
        in_pathway = 0
        afis = 0
        tallies: dict[tuple[str, str], int] = {}
        for pathway in Pathway.objects.all():
            period = (
                pathway.periods.filter(starts_on__lte=snapshot, ends_on__gte=snapshot)
                .order_by("-number")
                .first()
            )
            if period is None or (period.ended_early_on and period.ended_early_on <= snapshot):
                continue
            if pathway.exited_on and pathway.exited_on <= snapshot:
                continue
            person = pathway.person
            in_pathway += 1
            identity = decrypt_json(
                person.identity_encrypted, purpose=f"person:{person.pseudonym}:identity"
            )
            sex, age, region = x.coarse_attributes(identity or {}, on=snapshot)
            children = str(person.children_count) if person.children_count < 3 else "3+"
            for key in (
                (x.DIMENSION_PERIOD, str(min(period.number, 4))),
                (x.DIMENSION_CHILDREN, children),
                (x.DIMENSION_SEX, sex),
                (x.DIMENSION_AGE, age),
                (x.DIMENSION_WORLD_REGION, region),
            ):
                tallies[key] = tallies.get(key, 0) + 1
            afis += (
                person.rights.filter(right_type="afis", status="granted", granted_on__lte=snapshot)
                .exclude(ends_on__lt=snapshot)
                .exists()
            )
        counts.append(x.Count(x.PERSONS_IN_PATHWAY, in_pathway))
        counts.append(x.Count(x.AFIS_BENEFICIARIES, afis))
        counts += [x.Count(x.PERSONS_IN_PATHWAY, n, d, c) for (d, c), n in tallies.items()]
        connection.set_schema_to_public()
        staging_write(release_id=release.pk, code=code, counts=counts, queue=False)
    return release_consolidate(release_id=release.pk)


if __name__ == "__main__":
    main()
