"""What a request costs in work, not in seconds: Python function calls and SQL queries.

Wall-clock medians drift by ±20 % on a shared 2-core machine (and by far more when other work
runs), so a before/after comparison of a refactoring cannot see a 5 % regression in them. The
number of Python function calls a request makes (counted by cProfile) and its SQL queries do not
depend on the machine's load: run this command in two checkouts and compare the columns.

    .venv/bin/python infra/dev/with_services.py .venv/bin/python -m benchmarks.request_cost
    # in an older checkout, with this venv and that tree first on the path:
    cd ../before && PYTHONPATH=$PWD:$PWD/platform ../main/.venv/bin/python -m benchmarks.request_cost

It seeds the case-work benchmark's history (`benchmarks/casework.py`, 300 persons by default)
and the commission benchmark's session (`benchmarks/commission.py`), then profiles 40 requests
of each page or endpoint, and each of the 40 `agenda_add_file` calls. The CPU column is given for
information only (profiled, and load-dependent).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks.common import setup_django, switch_database, table

CASEWORK_DATABASE = "parcours_bench_cost_casework"
COMMISSION_DATABASE = "parcours_bench_cost_commission"
SAMPLE = 40


class Meter:
    """Profiles every call of one callable; reports calls and queries per call."""

    def __init__(self) -> None:
        self.profile = cProfile.Profile()
        self.count = 0
        self.queries = 0
        self.cpu = 0.0

    def run(self, fn: Callable[[], Any]) -> Any:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        started = time.process_time()
        with CaptureQueriesContext(connection) as queries:
            self.profile.enable()
            try:
                return fn()
            finally:
                self.profile.disable()
                self.count += 1
                self.cpu += time.process_time() - started
                self.queries += len(queries)

    def row(self, label: str) -> list[object]:
        calls = pstats.Stats(self.profile).total_calls  # type: ignore[attr-defined]
        n = max(self.count, 1)
        return [
            label,
            self.count,
            f"{calls / n:.0f}",
            f"{self.queries / n:.1f}",
            f"{self.cpu * 1000 / n:.1f}",
        ]


def casework(*, persons: int) -> list[list[object]]:
    from benchmarks.casework import seed

    seed(persons=persons)
    from django.test import Client

    from parcours.accounts.models import User
    from parcours.db import connection
    from tenants.casework.models import Dossier

    client = Client(HTTP_HOST="75.localhost")
    client.force_login(User.objects.get(email="coordination@bench"))
    connection.set_schema("dep_75")
    ids = sorted(Dossier.objects.values_list("id", flat=True))
    connection.set_schema_to_public()
    sample = ids[:: max(1, len(ids) // SAMPLE)][:SAMPLE]
    targets: dict[str, Callable[[int], str]] = {
        "file page (/dossiers/<id>/)": lambda pk: f"/dossiers/{pk}/",
        "file API (/api/v1/dossiers/<id>/)": lambda pk: f"/api/v1/dossiers/{pk}/",
        "coordinator's queue page (/dossiers/)": lambda pk: "/dossiers/",
        "file list API (/api/v1/dossiers/)": lambda pk: "/api/v1/dossiers/",
    }
    rows = []
    for label, url in targets.items():
        for pk in sample[:10]:  # warm-up: templates, host map, typed workflows
            assert client.get(url(pk)).status_code == 200
        meter = Meter()
        for pk in sample:
            path = url(pk)
            response = meter.run(lambda path=path: client.get(path))  # type: ignore[misc]
            assert response.status_code == 200, (label, response.status_code)
        rows.append(meter.row(label))
    return rows


def commission() -> list[list[object]]:
    """Runs the commission benchmark with its agenda building and session screen metered."""
    import benchmarks.commission as bench

    meters = {"agenda": Meter(), "screen": Meter()}

    def setup(**kwargs: Any) -> None:
        switch_database(name=COMMISSION_DATABASE)
        from django.test import Client

        from tenants.commission import services

        add = services.agenda_add_file
        services.agenda_add_file = lambda **kw: meters["agenda"].run(lambda: add(**kw))
        get = Client.get
        setattr(  # noqa: B010 (mypy refuses assigning to a method)
            Client, "get", lambda self, *a, **kw: meters["screen"].run(lambda: get(self, *a, **kw))
        )

    bench.setup_django = setup
    bench.main()
    return [
        meters["agenda"].row("agenda_add_file (one file put on the agenda)"),
        meters["screen"].row("live session screen (40 items, 20 members)"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=300)
    args = parser.parse_args()
    setup_django(name=CASEWORK_DATABASE)
    rows = casework(persons=args.persons)
    rows += commission()
    print(
        table(
            headers=["what", "n", "Python calls each", "SQL queries each", "CPU ms each (info)"],
            rows=rows,
        )
    )


if __name__ == "__main__":
    main()
