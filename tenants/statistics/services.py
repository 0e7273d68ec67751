"""The national runs done in one process: the command line, `make run`, tests and benchmarks.

What the workers do across départements (`tasks`), here without a broker: each département's
facts are computed in its own schema, then handed to the platform's writes. These functions sit
on the département's side because they call the extraction and the commission's status; the
platform's pipeline (`parcours.reporting.services`) is unchanged by them.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal

from django.db import connections
from django.utils import timezone
from django_tenants.utils import schema_context

from parcours.db import connection
from parcours.departements.models import Tenant, zone_for
from parcours.reporting.models import Release
from parcours.reporting.oversight_services import active_schemas, commission_status_write
from parcours.reporting.services import (
    release_consolidate,
    release_start,
    staging_failed,
    staging_write,
)
from parcours.reporting.vocabulary import Count
from tenants.statistics.extraction import extract_counts
from tenants.statistics.status import commission_facts

logger = logging.getLogger(__name__)


def release_run_sync(
    *,
    period_kind: str,
    period_start: dt.date,
    actor_id: int | None,
    dp_epsilon: Decimal | None = None,
    jobs: int = 1,
) -> Release:
    """The whole pipeline without a worker (command line, demo, tests, benchmark).

    With `jobs` > 1 the départements are extracted by that many forked processes while this one
    writes their counts to staging as they come (what the workers do in production); forked
    processes see only committed data, so inside a transaction (a test) it stays in-process.
    """
    release = release_start(
        period_kind=period_kind,
        period_start=period_start,
        actor_id=actor_id,
        queue=False,
        dp_epsilon=dp_epsilon,
    )
    work = [
        (code, release.snapshot_on, release.period_start, release.period_end)
        for code in release.departements_expected
    ]
    if jobs > 1 and len(work) > 1 and not connection.in_atomic_block:
        connections.close_all()  # never share a connection with the forked processes
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            for code, counts, error in pool.map(_extract_one, work, chunksize=2):
                _stage(release_id=release.pk, code=code, counts=counts, error=error)
    else:
        for job in work:
            code, counts, error = _extract_one(job)
            _stage(release_id=release.pk, code=code, counts=counts, error=error)
    return release_consolidate(release_id=release.pk)


def _extract_one(
    job: tuple[str, dt.date, dt.date, dt.date],
) -> tuple[str, list[Count] | None, str]:
    """One département's counts, or the class of the error that stopped them."""
    code, snapshot, start, end = job
    try:
        connection.set_tenant(Tenant.objects.get(code=code))
        return code, extract_counts(snapshot=snapshot, period_start=start, period_end=end), ""
    except Exception as exc:  # one département failing must not stop the others
        logger.exception("extraction failed in %s", code)
        return code, None, type(exc).__name__
    finally:
        connection.set_schema_to_public()


def _stage(*, release_id: int, code: str, counts: list[Count] | None, error: str) -> None:
    if counts is None:
        staging_failed(release_id=release_id, code=code, error=error, queue=False)
    else:
        staging_write(release_id=release_id, code=code, counts=counts, queue=False)


def commission_status_refresh_sync() -> int:
    """Compute and store every active département's status in this process, each in its
    schema and on its own day (overseas départements have theirs)."""
    schemas = active_schemas()
    for schema in schemas:
        code = Tenant.code_for(schema)
        with schema_context(schema), timezone.override(zone_for(code)):
            facts = commission_facts(today=timezone.localdate(), now=timezone.now())
        commission_status_write(code=code, facts=facts, computed_at=timezone.now())
    return len(schemas)
