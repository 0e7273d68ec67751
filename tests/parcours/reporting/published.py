"""What the attacker reads from a release (its figures) and what the tests know besides (the true
counts behind them), for the release `make run` publishes and for tables the tests generate.

The true counts of a real release are the départements' extractions, captured as the pipeline
makes them (before the consolidation purges them), and summed here independently of the code
under attack: the attacker's equations are then checked to hold on them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.parcours.reporting.attacker import Figure, Model, Place, period_label

K_DEFAULT = 11


def secret_indicators() -> tuple[set[str], set[str], set[str]]:
    """(indicators under disclosure control, the stocks among them, the amounts in euros): the
    additive figures about persons; the institution's facts are published exactly."""
    from parcours.reporting import indicators

    attacked = {
        i.code
        for i in indicators.MANAGEMENT + indicators.DERIVED
        if i.additive and i.code not in {o.code for o in indicators.OVERSIGHT}
    }
    stocks = {c for c in attacked if indicators.BY_CODE[c].stock}
    amounts = {c for c in attacked if indicators.BY_CODE[c].unit == "€"}
    return attacked, stocks, amounts


def label_of(release) -> str:  # type: ignore[no-untyped-def]
    return period_label(
        kind=release.period_kind,
        start_year=release.period_start.year,
        start_month=release.period_start.month,
    )


def figures_of(releases: Iterable) -> list[Figure]:  # type: ignore[type-arg]
    """Every figure under disclosure control of the releases, labelled with its period."""
    attacked, _, _ = secret_indicators()
    out = []
    for release in releases:
        period = label_of(release)
        for f in release.figures.filter(indicator__in=attacked):
            out.append(
                Figure(
                    f.level,
                    f.code,
                    f.indicator,
                    f.dimension,
                    f.category,
                    f.disclosure,
                    f.value,
                    f.band_low,
                    f.band_high,
                    period,
                )
            )
    return out


def truth_of(
    *,
    period: str,
    counts: Mapping[str, Iterable[tuple[str, str, str, int]]],
    region_of: Mapping[str, str],
    categories: Mapping[str, set[str]],
) -> dict[Place, int]:
    """The true value of every figure of one period: {département: [(indicator, dimension,
    category, value)]} summed to régions and France; a category outside the dimension's list is
    counted as "autre", as published."""
    attacked, _, _ = secret_indicators()
    truth: dict[Place, int] = defaultdict(int)
    for code, rows in counts.items():
        for indicator, dimension, category, value in rows:
            if indicator not in attacked:
                continue
            if dimension and dimension not in categories:
                continue  # not a published breakdown (delays, capped counts, associations)
            if dimension and category not in categories[dimension]:
                category = "autre" if "autre" in categories[dimension] else category
            for level, unit in (
                ("departement", code),
                ("region", region_of[code]),
                ("france", "FR"),
            ):
                truth[(period, indicator, level, unit, dimension, category)] += value
    return dict(truth)


@dataclass
class Publication:
    """The releases of one year published together, as the attacker and the tests see them."""

    year: str
    figures: list[Figure]
    truth: dict[Place, int]
    region_of: dict[str, str]
    k: int
    periods: list[str] = field(default_factory=list)
    stocks: set[str] = field(default_factory=lambda: secret_indicators()[1])
    amounts: set[str] = field(default_factory=lambda: secret_indicators()[2])

    def model(self, *, periods: Iterable[str] | None = None) -> Model:
        stocks, amounts = self.stocks, self.amounts
        chosen = set(self.periods if periods is None else periods)
        return Model.build(
            [f for f in self.figures if f.period in chosen],
            region_of=self.region_of,
            k=self.k,
            stocks=stocks,
            amounts=amounts,
        )


@contextmanager
def captured_extractions() -> Iterator[dict[tuple[str, dt.date, dt.date], dict[str, list]]]:
    """Record every département's extraction the release pipeline makes, by period."""
    from parcours.db import connection
    from tenants.statistics import services

    seen: dict[tuple[str, dt.date, dt.date], dict[str, list]] = defaultdict(dict)
    real = services.extract_counts

    def recording(**kwargs):  # type: ignore[no-untyped-def]
        counts = real(**kwargs)
        key = (kwargs["snapshot"].isoformat(), kwargs["period_start"], kwargs["period_end"])
        seen[key][connection.tenant.code] = [
            (c.indicator, c.dimension, c.category, c.value) for c in counts
        ]
        return counts

    services.extract_counts = recording
    try:
        yield seen
    finally:
        services.extract_counts = real


def extractions(
    *, codes: Iterable[str], key: tuple[str, dt.date, dt.date]
) -> dict[str, list[tuple[str, str, str, int]]]:
    """The départements' counts for one period, extracted again (the data has not changed)."""
    from parcours.db import connection
    from parcours.departements.models import Tenant
    from tenants.statistics.extraction import extract_counts

    out = {}
    for code in codes:
        connection.set_tenant(Tenant.objects.get(code=code))
        try:
            counts = extract_counts(
                snapshot=dt.date.fromisoformat(key[0]), period_start=key[1], period_end=key[2]
            )
        finally:
            connection.set_schema_to_public()
        out[code] = [(c.indicator, c.dimension, c.category, c.value) for c in counts]
    return out


def make_run_publications(*, quarters_of: int = 2024) -> list[Publication]:
    """What `make run` prepares (every département provisioned, the demo, `demo_release_ensure`)
    and, when it does not publish them, the quarters of `quarters_of` released after it; every
    published release, grouped by year, with the true counts behind each figure.

    Runs in the caller's transaction (a test rolls it back)."""
    from django.core.management import call_command

    from infra.dev.seeding.national import demo_release_ensure
    from parcours.referentiel.models import Departement
    from parcours.reporting import indicators
    from parcours.reporting.models import PeriodKind, Release, ReleaseStatus
    from tenants.statistics.services import release_run_sync

    # As `make run` (infra/dev/run.py): the reference data first. Not left to the tests that ran
    # before on this worker: in an order where none had loaded it, provisioning found no
    # département and every test of the module failed at set-up.
    call_command("load_referentiel", verbosity=0)
    call_command("provision", all=True, jobs=1, verbosity=0)
    call_command("seed_demo", verbosity=0)
    with captured_extractions() as seen:
        demo_release_ensure()
        published = Release.objects.filter(status=ReleaseStatus.PUBLISHED)
        starts = set(
            published.filter(
                period_kind=PeriodKind.QUARTER, period_start__year=quarters_of
            ).values_list("period_start", flat=True)
        )
        for month in (1, 4, 7, 10):
            if dt.date(quarters_of, month, 1) not in starts:
                release_run_sync(
                    period_kind=PeriodKind.QUARTER,
                    period_start=dt.date(quarters_of, month, 1),
                    actor_id=None,
                )
    region_of = dict(Departement.objects.values_list("code", "region__code"))
    categories = {d: {c for c, _ in cats} for d, cats in indicators.categories().items()}
    by_year: dict[str, Publication] = {}
    releases = Release.objects.filter(status=ReleaseStatus.PUBLISHED).order_by(
        "period_start", "period_kind"
    )
    for release in releases:
        period = label_of(release)
        key = (release.snapshot_on.isoformat(), release.period_start, release.period_end)
        missing = [c for c in release.departements_included if c not in seen.get(key, {})]
        if missing:  # published before (a database reused) or by forked processes
            seen[key].update(extractions(codes=missing, key=key))
        counts = {c: seen[key][c] for c in release.departements_included}
        year = period[:4]
        publication = by_year.setdefault(
            year,
            Publication(
                year=year,
                figures=[],
                truth={},
                region_of=region_of,
                k=int(release.rules.get("k", K_DEFAULT)),
            ),
        )
        publication.periods.append(period)
        publication.figures += figures_of([release])
        publication.truth.update(
            truth_of(period=period, counts=counts, region_of=region_of, categories=categories)
        )
    for publication in by_year.values():
        # A figure with no count behind it is a zero (an indicator no département reported).
        for f in publication.figures:
            publication.truth.setdefault(f.place, 0)
    return [by_year[y] for y in sorted(by_year)]
