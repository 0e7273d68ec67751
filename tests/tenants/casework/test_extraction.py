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


def test_rights_count_persons_once_each_afis_on_the_day_the_others_in_the_period(
    db: None, base: None, tenant31
) -> None:
    from parcours.reporting.seeding import national_figures_seed
    from tenants.casework.models import Person, Right

    national_figures_seed(distribution={"31": 5})
    _extract_in(tenant31)  # sets the schema
    persons = list(Person.objects.order_by("pk")[:3])
    day = dt.date(2024, 6, 1)
    Right.objects.bulk_create(
        [
            # On AFIS on 31/12: the first two; the third's AFIS stopped in November.
            Right(person=persons[0], right_type="afis", status="granted", granted_on=day),
            Right(person=persons[1], right_type="afis", status="granted", granted_on=day),
            Right(
                person=persons[2],
                right_type="afis",
                status="granted",
                granted_on=day,
                ends_on=dt.date(2024, 11, 30),
            ),
            # Housing and shelter for one person count once; a request is not a right obtained.
            Right(person=persons[0], right_type="logement", status="granted", granted_on=day),
            Right(person=persons[0], right_type="hebergement", status="granted", granted_on=day),
            Right(person=persons[1], right_type="logement", status="requested", requested_on=day),
            # Obtained in 2023: not a 2024 figure.
            Right(
                person=persons[2],
                right_type="aps",
                status="granted",
                granted_on=dt.date(2023, 5, 1),
            ),
            Right(person=persons[1], right_type="emploi", status="granted", granted_on=day),
        ]
    )
    totals = {c.indicator: c.value for c in _extract_in(tenant31) if not c.dimension}
    assert totals["afis_beneficiaries"] == 2
    assert totals["housing_obtained"] == 1
    assert totals["aps_granted"] == 0
    assert totals["training_or_employment"] == 1
    assert totals["care_opened"] == 0
