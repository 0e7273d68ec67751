"""The attacker's models, proved to bite (positive controls on deliberately broken
publications), then set on what the release pipeline publishes from generated tables: a year and
its quarters, consolidated like real releases, attacked by the public and by each département."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace

from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st

from tests.parcours.reporting.attacker import (
    Figure,
    Model,
    band_differences,
    insiders,
    protection_intervals,
)

K = 11


def fig(
    code: str,
    shown: int | tuple[int, int] | None,
    *,
    level: str = "departement",
    dimension: str = "",
    category: str = "",
    indicator: str = "x",
    period: str = "",
) -> Figure:
    """A figure as published: an int is exact, a pair a band, None suppressed."""
    if shown is None:
        return Figure(
            level, code, indicator, dimension, category, "suppressed", None, None, None, period
        )
    if isinstance(shown, tuple):
        return Figure(level, code, indicator, dimension, category, "banded", None, *shown, period)
    return Figure(level, code, indicator, dimension, category, "exact", shown, None, None, period)


def places(findings) -> set[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    return {place for f in findings for place in f.places}


# -- Positive controls: each model finds what a broken publication leaks ----------------------

REGION_OF = {"2A": "94", "2B": "94", "31": "76", "32": "76", "09": "76"}


def test_a_band_beside_an_exact_total_is_undone_across_levels() -> None:
    figures = [
        fig("31", 20),
        fig("32", (1, 5)),  # 3
        fig("76", 23, level="region"),
        fig("FR", 23, level="france"),
    ]
    model = Model.build(figures, region_of=REGION_OF, k=K)
    [finding] = band_differences(model)
    assert finding.places == (("", "x", "departement", "32", "", ""),)
    assert (finding.low, finding.high) == (3, 3)
    assert protection_intervals(model) == []  # nothing suppressed: another model's business


def test_a_band_is_undone_by_the_quarters_of_its_year() -> None:
    """The year's flow is exact (14), so is every quarter but one: that one is 14 minus them."""
    quarters = {"2024-T1": 11, "2024-T2": (1, 5), "2024-T3": 0, "2024-T4": 0}
    figures = [fig("32", 14, period="2024")]
    figures += [fig("32", shown, period=p) for p, shown in quarters.items()]
    for f in list(figures):  # the région and France, made of 32 alone, say the same
        figures += [replace(f, level="region", code="76"), replace(f, level="france", code="FR")]
    found = band_differences(Model.build(figures, region_of=REGION_OF, k=K))
    assert ("2024-T2", "x", "departement", "32", "", "") in places(found)
    assert all((f.low, f.high) == (3, 3) for f in found)
    # The year alone, or the quarters alone, leak nothing: the equation across periods does.
    for alone in ({"2024"}, set(quarters)):
        only = [f for f in figures if f.period in alone]
        assert band_differences(Model.build(only, region_of=REGION_OF, k=K)) == []


def test_a_year_stock_is_its_last_quarter_stock() -> None:
    """The year's stock of 32 is banded; its fourth quarter's is pinned by the région's total."""
    figures = []
    for period, region_total in (("2024", (11, 20)), ("2024-T4", 12)):
        figures += [
            fig("31", 9 if period == "2024-T4" else (6, 10), period=period),
            fig("32", (1, 5), period=period),
            fig("76", region_total, level="region", period=period),
        ]
    figures = [f for f in figures if f.band_high != 20]
    stock = Model.build(figures, region_of={"31": "76", "32": "76"}, k=K, stocks={"x"})
    found = places(band_differences(stock))
    assert ("2024", "x", "departement", "32", "", "") in found
    as_flow = Model.build(figures, region_of={"31": "76", "32": "76"}, k=K)
    assert ("2024", "x", "departement", "32", "", "") not in places(band_differences(as_flow))


def test_a_hidden_cell_proven_small_and_a_small_sum_are_found() -> None:
    """32's margin is the région's 43 minus 31's 40, so its hidden `a` is at most 3, and 31's is
    the région's 9 minus it: in 6..9; the two hidden cells of the région's `a` add up to 9."""
    figures = [
        fig("31", 40),
        fig("32", (1, 5)),
        fig("76", 43, level="region"),
        fig("31", None, dimension="d", category="a"),
        fig("31", None, dimension="d", category="b"),
        fig("32", None, dimension="d", category="a"),
        fig("32", None, dimension="d", category="b"),
        fig("76", 9, level="region", dimension="d", category="a"),
        fig("76", 34, level="region", dimension="d", category="b"),
    ]
    found = protection_intervals(Model.build(figures, region_of={"31": "76", "32": "76"}, k=K))
    threats = {(f.threat, f.places[0][3], f.places[0][5]) for f in found}
    assert ("small cell", "31", "a") in threats
    assert ("small sum", "31", "a") in threats
    [cell] = [f for f in found if f.threat == "small cell" and f.places[0][3] == "31"]
    assert (round(cell.low), round(cell.high)) == (6, 9)


def test_a_pinned_cell_is_found_and_a_hidden_zero_is_tolerated() -> None:
    pinned = [
        fig("31", 20),
        fig("31", None, dimension="d", category="a"),
        fig("31", 14, dimension="d", category="b"),
    ]
    [finding] = protection_intervals(Model.build(pinned, region_of=REGION_OF, k=K))
    assert (finding.threat, finding.low, finding.high) == ("pinned cell", 6, 6)
    zero = [pinned[0], pinned[1], fig("31", 20, dimension="d", category="b")]
    assert protection_intervals(Model.build(zero, region_of=REGION_OF, k=K)) == []


def test_corsica_computes_itself_from_its_neighbour() -> None:
    """Two départements, their région's cells exact: the public cannot place a cell, but either
    département, knowing its own, computes the other's."""
    cells = {("2A", "a"): 3, ("2A", "b"): 9, ("2B", "a"): 8, ("2B", "b"): 4}
    figures = [fig(code, 12) for code in ("2A", "2B")]
    figures += [fig(c, None, dimension="d", category=cat) for (c, cat) in cells]
    figures += [
        fig("94", 24, level="region"),
        fig("94", 11, level="region", dimension="d", category="a"),
        fig("94", 13, level="region", dimension="d", category="b"),
    ]
    model = Model.build(figures, region_of=REGION_OF, k=K)
    assert protection_intervals(model) == [] and band_differences(model) == []
    truth = {f.place: f.value for f in figures if f.value is not None}
    truth |= {("", "x", "departement", c, "d", cat): v for (c, cat), v in cells.items()}
    found = insiders(model, truth=truth, region_of=REGION_OF)
    assert {(f.insider, f.places[0][3], f.places[0][5]) for f in found} == {
        ("2A", "2B", "a"),
        ("2A", "2B", "b"),
        ("2B", "2A", "a"),
        ("2B", "2A", "b"),
    }
    assert all(f.low == f.high for f in found)


def test_an_insider_narrows_a_neighbour_band() -> None:
    """32 and 09 add up to 6 (the région's 46 minus 31's 40): each may be 1 to 5 for the
    public, but 32, knowing its 5, knows 09's 1."""
    figures = [fig("31", 40), fig("32", (1, 5)), fig("09", (1, 5)), fig("76", 46, level="region")]
    model = Model.build(figures, region_of=REGION_OF, k=K)
    assert band_differences(model) == []
    truth = {f.place: f.value or 0 for f in figures} | {
        ("", "x", "departement", "32", "", ""): 5,
        ("", "x", "departement", "09", "", ""): 1,
    }
    [finding] = insiders(model, truth=truth, region_of=REGION_OF, codes=["32"])
    assert finding.places[0][3] == "09" and (finding.low, finding.high) == (1, 1)
    assert finding.threat == "insider narrows"


# -- The pipeline's publications of generated tables, attacked --------------------------------

# Régions as the reference data has them, with départements enough for every shape: Corsica's
# two, an overseas région of one, larger ones of which a few départements are included.
REGIONS = {
    "94": ["2A", "2B"],
    "01": ["971"],
    "11": ["75", "93", "92", "94"],
    "53": ["22", "29", "35", "56"],
    "28": ["14", "27", "50"],
}
QUARTERS = {f"2024-T{q}": q for q in range(1, 5)}
# (entry quarter, 0 before the year; exit quarter or 0; period, children, sex, age, world
# region, outcome: indices into each dimension's categories; paid the AFIS).
Person = tuple[int, int, int, int, int, int, int, int, bool]


@st.composite
def persons(draw: st.DrawFn) -> Person:
    entry = draw(st.integers(0, 4))
    exit_ = draw(st.sampled_from([0, *range(max(entry, 1), 5)]))
    attributes = [draw(st.integers(0, 2)) for _ in range(6)]
    return (entry, exit_, *attributes, draw(st.booleans()))  # type: ignore[return-value]


@st.composite
def years(draw: st.DrawFn) -> dict[str, list[Person]]:
    """Persons per département over 2024: small counts, zeros, rows of one category."""
    regions = draw(st.lists(st.sampled_from(sorted(REGIONS)), min_size=1, max_size=3, unique=True))
    size = st.one_of(st.integers(0, 3), st.integers(0, 14), st.integers(15, 40))
    out: dict[str, list[Person]] = {}
    for region in regions:
        codes = REGIONS[region]
        for code in codes[: len(codes) if region == "94" else draw(st.integers(1, len(codes)))]:
            n = draw(size)
            if draw(st.booleans()):  # everyone alike: rows of one category
                out[code] = [draw(persons())] * n
            else:
                out[code] = draw(st.lists(persons(), min_size=n, max_size=n))
    return out


def staged_counts(
    people: list[Person], *, quarters: range, categories: dict[str, list[str]]
) -> list[tuple[str, str, str, int]]:
    """One département's counts for the period made of `quarters` (its last one's end: the
    snapshot), as the extraction reports them."""
    from tenants.statistics import extraction as x

    end = quarters[-1]
    dims = [
        x.DIMENSION_PERIOD,
        x.DIMENSION_CHILDREN,
        x.DIMENSION_SEX,
        x.DIMENSION_AGE,
        x.DIMENSION_WORLD_REGION,
    ]
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for name in (x.PERSONS_IN_PATHWAY, x.FIRST_REQUESTS, x.EXITS, x.AFIS_BENEFICIARIES):
        counts[(name, "", "")] = 0
    counts[(x.AFIS_AMOUNT_DUE, "", "")] = 0
    for i, (entry, exit_, *attributes, afis) in enumerate(people):
        if entry <= end and (exit_ == 0 or exit_ > end):
            counts[(x.PERSONS_IN_PATHWAY, "", "")] += 1
            for dimension, a in zip(dims, attributes[:5], strict=True):
                counts[(x.PERSONS_IN_PATHWAY, dimension, categories[dimension][a])] += 1
            if afis:
                counts[(x.AFIS_BENEFICIARIES, "", "")] += 1
                counts[(x.AFIS_AMOUNT_DUE, "", "")] += 343 + (i * 37) % 100
        if entry in quarters:
            counts[(x.FIRST_REQUESTS, "", "")] += 1
        if exit_ in quarters:
            counts[(x.EXITS, "", "")] += 1
            outcome = categories[x.DIMENSION_OUTCOME][attributes[5]]
            counts[(x.EXITS, x.DIMENSION_OUTCOME, outcome)] += 1
    return [(i, d, c, v) for (i, d, c), v in counts.items() if v or not d]


def consolidated(*, kind: str, start: dt.date, counts: dict[str, list]):  # type: ignore[no-untyped-def]
    """A release of the period, its départements' counts staged, consolidated by the pipeline."""
    from django.utils import timezone

    from parcours.reporting import services
    from parcours.reporting.models import Release, ReleaseStatus, StagingCount

    end = services.period_end(kind=kind, start=start)
    release = Release.objects.create(
        period_kind=kind,
        period_start=start,
        period_end=end,
        snapshot_on=end,
        status=ReleaseStatus.RUNNING,
        rules=services.rules_on(day=end).as_json(),
        departements_expected=sorted(counts),
        departements_included=sorted(counts),
        started_at=timezone.now(),
    )
    StagingCount.objects.bulk_create(
        StagingCount(
            release=release,
            departement=code,
            indicator=indicator,
            dimension=dimension,
            category=category,
            value=value,
        )
        for code, rows in counts.items()
        for indicator, dimension, category, value in rows
    )
    return services.release_consolidate(release_id=release.pk)


@settings(
    max_examples=12,
    deadline=None,
    # A failing example lists what the attackers found; shrinking it would take minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(years(), st.booleans())
# Found by the generator: on 30/09, 29 (one person in pathway), knowing its own figures, proves
# that 35 (published 1–5) has at least 2: a bound, which the production audit's insider (exact
# elimination over the equations) does not see. The rule held against the insider is the issue's:
# no figure of another département computed exactly; a band narrowed by an insider through the
# bounds is a known limit (README, "What the rules hold against"), kept here as the example the
# next method must pass with the strict check.
@example(
    {
        "22": [(1, 0, 0, 2, 0, 0, 2, 1, False)] * 17,
        "29": [(3, 0, 0, 2, 0, 1, 0, 2, True), (4, 0, 0, 1, 0, 1, 1, 1, False)],
        "35": [
            (4, 4, 1, 2, 1, 0, 1, 0, True),
            (1, 3, 2, 0, 0, 1, 0, 2, True),
            (3, 3, 1, 1, 2, 0, 0, 2, False),
            (4, 4, 1, 2, 0, 1, 1, 2, False),
            (1, 4, 0, 2, 0, 2, 0, 0, False),
            (2, 2, 2, 0, 2, 0, 1, 0, True),
            (2, 3, 0, 2, 2, 0, 2, 0, True),
            (2, 0, 0, 1, 2, 0, 1, 1, True),
            (1, 3, 1, 2, 0, 0, 1, 2, False),
            (1, 2, 0, 1, 1, 2, 1, 2, True),
            (4, 0, 0, 1, 1, 0, 0, 1, True),
            (3, 3, 1, 1, 0, 2, 1, 2, True),
            (1, 1, 2, 1, 0, 1, 2, 0, True),
            (3, 4, 1, 0, 1, 0, 1, 1, True),
        ],
        "971": [(1, 3, 1, 0, 2, 1, 1, 0, False)] * 39,
    },
    False,
)
def test_no_attacker_learns_anything_from_a_year_and_its_quarters(
    db: None, base: None, year: dict[str, list[Person]], quarters_first: bool
) -> None:
    from django.db import transaction

    from parcours.referentiel.models import Departement
    from parcours.reporting import indicators
    from tests.parcours.reporting.published import Publication, figures_of, truth_of

    note(f"persons (entry, exit, attributes…) per département: {year}")
    region_of = dict(Departement.objects.values_list("code", "region__code"))
    assert all(region_of[c] == r for r, codes in REGIONS.items() for c in codes)
    categories = {d: [c for c, _ in cats] for d, cats in indicators.categories().items()}
    periods = {"2024": range(1, 5)} | {p: range(q, q + 1) for p, q in QUARTERS.items()}
    counts = {
        p: {
            c: staged_counts(people, quarters=qs, categories=categories)
            for c, people in year.items()
        }
        for p, qs in periods.items()
    }
    order = [*QUARTERS, "2024"] if quarters_first else ["2024", *QUARTERS]
    with transaction.atomic():
        releases = [
            consolidated(
                kind="year" if len(p) == 4 else "quarter",
                start=dt.date(2024, 1, 1) if len(p) == 4 else dt.date(2024, 3 * QUARTERS[p] - 2, 1),
                counts=counts[p],
            )
            for p in order
        ]
        figures = figures_of(releases)
        k = releases[0].rules["k"]
        transaction.set_rollback(True)
    truth: dict = {}
    for p in order:
        truth |= truth_of(
            period=p,
            counts=counts[p],
            region_of=region_of,
            categories={d: set(c) for d, c in categories.items()},
        )
    for f in figures:
        truth.setdefault(f.place, 0)
        if f.disclosure == "exact":
            assert truth[f.place] == f.value, f  # the attacker's truth is the published one
    publication = Publication("2024", figures, truth, region_of, k, periods=order)
    model = publication.model()
    computed_by_insiders = [
        f
        for f in insiders(model, truth=truth, region_of=region_of)
        if f.threat == "insider pins" or f.high - f.low < 1e-6
    ]
    findings = protection_intervals(model) + band_differences(model) + computed_by_insiders
    assert not findings, "\n".join(map(str, findings[:20]))


def test_a_total_is_no_secret_to_an_insider_when_the_others_part_is_published() -> None:
    """France is 32's hidden cell plus an exact région: 32 computes France's hidden cell, and
    learns nothing (France minus its own count is published)."""
    region_of = {"32": "76", "75": "11"}
    figures = [
        fig("32", 12),
        fig("75", 30),
        fig("76", 12, level="region"),
        fig("11", 30, level="region"),
        fig("FR", 42, level="france"),
        fig("32", None, dimension="d", category="a"),
        fig("32", None, dimension="d", category="b"),
        fig("76", None, level="region", dimension="d", category="a"),
        fig("76", None, level="region", dimension="d", category="b"),
        fig("75", 14, dimension="d", category="a"),
        fig("75", 16, dimension="d", category="b"),
        fig("11", 14, level="region", dimension="d", category="a"),
        fig("11", 16, level="region", dimension="d", category="b"),
        fig("FR", None, level="france", dimension="d", category="a"),
        fig("FR", None, level="france", dimension="d", category="b"),
    ]
    truth = {f.place: f.value for f in figures if f.value is not None}
    for level, code in (("departement", "32"), ("region", "76")):
        truth |= {("", "x", level, code, "d", "a"): 1, ("", "x", level, code, "d", "b"): 11}
    truth |= {("", "x", "france", "FR", "d", "a"): 15, ("", "x", "france", "FR", "d", "b"): 27}
    model = Model.build(figures, region_of=region_of, k=K)
    assert insiders(model, truth=truth, region_of=region_of, codes=["32"]) == []
    # 75, knowing its own exact row, learns nothing either; the public, nothing.
    assert protection_intervals(model) == [] and band_differences(model) == []
