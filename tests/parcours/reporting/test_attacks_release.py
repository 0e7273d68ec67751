"""The releases `make run` publishes (every département provisioned, the 2024 seeding, and 2024's
quarters beside its year), attacked by the public and by each département.

Built once for the module and wiped at its end (the other tests keep their three départements).
`benchmarks/disclosure_attacks.py` prints the same findings with their counts
(`benchmarks/results/disclosure_attacks.txt`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.parcours.reporting.attacker import (
    Model,
    band_differences,
    insiders,
    protection_intervals,
    structure,
)
from tests.parcours.reporting.published import Publication, make_run_publications

# The test database is set up only for the tests that ask for it (this module reads its own).
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def publications(django_db_setup: None, django_db_blocker) -> Iterator[list[Publication]]:  # type: ignore[no-untyped-def]
    """Committed (one transaction cannot create 98 schemas: PostgreSQL runs out of locks), then
    wiped as `committed` wipes a transactional test's data; `base` rebuilds the three
    départements the other tests expect."""
    with django_db_blocker.unblock():
        try:
            built = make_run_publications()
        finally:
            _wipe()
    yield built


def _wipe() -> None:
    from django.core.management import call_command
    from django.db import connection

    from parcours.departements.routing import forget_hosts
    from tenants.casework.crypto import forget_keys

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'dep\\_%%'")
        for (schema,) in cursor.fetchall():
            cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')
    call_command("flush", interactive=False, verbosity=0)
    forget_hosts()
    forget_keys()


@pytest.fixture(scope="module")
def models(publications: list[Publication]) -> dict[str, tuple[Publication, Model]]:
    """Each year with every shorter period published beside it."""
    return {p.year: (p, p.model()) for p in publications}


def describe(findings) -> str:  # type: ignore[no-untyped-def]
    return f"{len(findings)} found:\n" + "\n".join(map(str, findings[:30]))


def test_make_run_publishes_a_year_with_its_quarters(publications: list[Publication]) -> None:
    """The attack below is of every departement, the year and its quarters together."""
    [year_2024] = [p for p in publications if p.year == "2024"]
    assert {"2024", "2024-T1", "2024-T2", "2024-T3", "2024-T4"} <= set(year_2024.periods)
    departements = {f.code for f in year_2024.figures if f.level == "departement"}
    assert len(departements) == 101
    suppressed = [f for f in year_2024.figures if f.disclosure == "suppressed"]
    banded = [f for f in year_2024.figures if f.disclosure == "banded"]
    assert suppressed and banded  # there is something to attack


def test_the_attacker_knows_the_truth_and_its_equations_hold_on_it(
    publications: list[Publication],
) -> None:
    """Every exact figure is the true count, every band holds it, and every equation the
    attacker uses is true of the counts: what it proves is proved of the real release."""
    for publication in publications:
        truth = publication.truth
        for f in publication.figures:
            low, high = f.bounds
            assert low <= truth[f.place] <= high, (f, truth[f.place])
        figures = {f.place: f for f in publication.figures}
        equations = structure(
            figures, region_of=publication.region_of, stocks=frozenset(publication.stocks)
        )
        assert equations
        for equation in equations:
            assert sum(c * truth[p] for p, c in equation.items()) == 0, equation


@pytest.fixture(scope="module")
def public(models):  # type: ignore[no-untyped-def]
    """What the public proves, by year: suppressed cells, then bands."""
    return {
        year: (protection_intervals(model), band_differences(model))
        for year, (_, model) in models.items()
    }


def test_no_suppressed_cell_is_proven_small_or_pinned(public) -> None:  # type: ignore[no-untyped-def]
    for cells, _ in public.values():
        assert not cells, describe(cells)


def test_no_band_is_narrowed_across_levels_or_periods(public) -> None:  # type: ignore[no-untyped-def]
    for _, bands in public.values():
        assert not bands, describe(bands)


def test_no_departement_computes_another_from_its_own_figures(models, public) -> None:  # type: ignore[no-untyped-def]
    for year, (publication, model) in models.items():
        findings = insiders(
            model,
            truth=publication.truth,
            region_of=publication.region_of,
            public=[*public[year][0], *public[year][1]],
        )
        assert not findings, describe(findings)
