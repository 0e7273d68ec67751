"""A département's counts for a national release: aggregates only, consistent breakdowns."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.casework.extraction import Count, extract_counts

YEAR = {
    "snapshot": dt.date(2024, 12, 31),
    "period_start": dt.date(2024, 1, 1),
    "period_end": dt.date(2024, 12, 31),
}


def _extract_in(tenant) -> list[Count]:  # type: ignore[no-untyped-def]
    from parcours.db import connection as tenant_connection

    tenant_connection.set_tenant(tenant)
    return extract_counts(**YEAR)


def test_counts_persons_in_pathway_and_their_breakdowns_add_up(
    db: None, base: None, tenant31
) -> None:
    from parcours.reporting.seeding import national_figures_seed

    national_figures_seed(distribution={"31": 39})
    counts = _extract_in(tenant31)
    totals = {c.indicator: c.value for c in counts if not c.dimension}
    assert totals["persons_in_pathway"] == 39
    assert totals["exits"] == 9
    for dimension in ("period_number", "children"):
        assert sum(c.value for c in counts if c.dimension == dimension) == 39
    assert sum(c.value for c in counts if c.dimension == "outcome") == 9
    assert totals["first_requests"] > 0 and totals["authorisations"] > 0


def test_nothing_but_counts_leaves_the_schema(db: None, base: None, tenant31) -> None:
    for count in _extract_in(tenant31):
        assert isinstance(count.value, int)
        assert set(vars(count)) == {"indicator", "value", "dimension", "category"}


def test_the_number_of_queries_does_not_grow_with_the_persons(
    db: None, base: None, tenant31, tenant75
) -> None:
    from parcours.reporting.seeding import national_figures_seed

    national_figures_seed(distribution={"31": 3, "75": 60})
    queries = []
    for tenant in (tenant31, tenant75):
        with CaptureQueriesContext(connection) as captured:
            _extract_in(tenant)
        queries.append(len(captured))
    assert queries[0] == queries[1] <= 14


def test_oversight_counts_the_commission_and_the_approvals(db: None, base: None, tenant31) -> None:
    counts = {c.indicator: c.value for c in _extract_in(tenant31) if not c.dimension}
    # The base data: no member appointed; two approvals in force for two years more.
    assert counts["commission_titulars"] == 0
    assert counts["colleges_without_titular"] >= 10
    assert counts["approvals_expiring_90_days"] == 0
