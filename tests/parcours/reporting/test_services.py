"""The release pipeline: extraction per département, consolidation, publication."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from parcours.audit.models import AuditEvent
from parcours.referentiel.models import Departement
from parcours.reporting.models import PublishedFigure, Release, ReleaseStatus, StagingCount
from parcours.reporting.services import (
    ReportingError,
    period_parse,
    release_start,
)
from tenants.statistics.services import release_run_sync
from tests.parcours.reporting.attacker import attack
from tests.parcours.reporting.conftest import as_figures

JAN_2024 = dt.date(2024, 1, 1)


def figure(release: Release, indicator: str, level: str, code: str) -> str:
    """A management figure as shown."""
    return PublishedFigure.objects.get(
        release=release, indicator=indicator, level=level, code=code, dimension=""
    ).shown


def test_a_release_publishes_persons_in_pathway_banded_by_departement(release_2024) -> None:
    assert release_2024.status == ReleaseStatus.PUBLISHED
    assert release_2024.departements_included == ["13", "31", "75"]
    assert release_2024.snapshot_on == dt.date(2024, 12, 31)
    assert release_2024.rules["k"] == 11 and release_2024.rules["bands"] == [[1, 5], [6, 10]]
    assert figure(release_2024, "persons_in_pathway", "departement", "75") == "148"
    assert figure(release_2024, "persons_in_pathway", "departement", "31") == "39"
    assert figure(release_2024, "persons_in_pathway", "departement", "13") == "1–5"
    # Haute-Garonne alone in Occitanie: its région total is its own, exact.
    assert figure(release_2024, "persons_in_pathway", "region", "76") == "39"


def test_a_total_that_would_undo_a_band_is_published_as_the_sum_of_the_bands(
    release_2024,
) -> None:
    """191 = 39 + 148 + Bouches-du-Rhône's 4: an exact France total would undo its band."""
    assert figure(release_2024, "persons_in_pathway", "departement", "13") == "1–5"
    assert figure(release_2024, "persons_in_pathway", "region", "93") == "1–5"
    france = PublishedFigure.objects.get(
        release=release_2024,
        indicator="persons_in_pathway",
        level="france",
        code="FR",
        dimension="",
    )
    assert (france.disclosure, france.shown) == ("banded", "188–192")
    assert (france.band_low, france.band_high, france.value) == (188, 192, None)


def test_exits_in_the_period_are_counted_with_their_outcome(release_2024) -> None:
    # A quarter of each département's count left during 2024 (seeding): 9 + 37 + 1, France
    # as the sum of 6–10, 37 and 1–5 (an exact 47 would undo both bands).
    assert figure(release_2024, "exits", "france", "FR") == "44–52"
    assert figure(release_2024, "exits", "departement", "75") == "37"
    assert figure(release_2024, "exits", "departement", "13") == "1–5"


def test_staging_counts_are_purged_once_published(release_2024) -> None:
    assert not StagingCount.objects.filter(release=release_2024).exists()


def test_no_published_breakdown_cell_lies_between_1_and_k_minus_1(release_2024) -> None:
    k = release_2024.rules["k"]
    from parcours.reporting import indicators

    # Breakdowns of figures about persons; the institution's facts (which colleges lack a
    # titular) are published exactly.
    cells = (
        release_2024.figures.exclude(dimension="")
        .exclude(disclosure="suppressed")
        .exclude(indicator__in=[i.code for i in indicators.OVERSIGHT])
    )
    assert cells.exists()
    assert not cells.filter(value__gte=1, value__lt=k).exists()


def test_no_suppressed_cell_of_the_release_is_recovered_by_a_linear_program(
    release_2024,
) -> None:
    region_of = dict(Departement.objects.values_list("code", "region__code"))
    figures = as_figures(release_2024)
    assert any(f.disclosure == "suppressed" for f in figures)
    for interval in attack(figures, region_of=region_of):
        assert interval.high - interval.low > 1e-6 or interval.low == 0, interval


def test_rerunning_a_release_replaces_it(release_2024) -> None:
    before = release_2024.figures.count()
    again = release_run_sync(period_kind="year", period_start=JAN_2024, actor_id=None)
    assert again.pk == release_2024.pk
    assert Release.objects.count() == 1
    assert again.figures.count() == before


def test_a_failing_departement_is_shown_missing_and_the_others_publish(seeded, monkeypatch) -> None:
    from tenants.statistics import services

    real = services.extract_counts

    def broken_in_75(**kwargs):  # type: ignore[no-untyped-def]
        from parcours.db import connection

        if connection.schema_name == "dep_75":
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(services, "extract_counts", broken_in_75)
    release = release_run_sync(period_kind="year", period_start=JAN_2024, actor_id=None)
    assert release.status == ReleaseStatus.PUBLISHED
    assert release.departements_missing == {"75": "RuntimeError"}
    assert release.departements_included == ["13", "31"]
    assert figure(release, "persons_in_pathway", "france", "FR") == "40–44"  # 39 + 1–5


def test_publication_is_audited_in_the_national_trail(release_2024) -> None:
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"reporting.release_started", "reporting.release_published"} <= actions


@pytest.mark.parametrize(
    ("text", "kind", "start"),
    [
        ("2024", "year", dt.date(2024, 1, 1)),
        ("2024-T3", "quarter", dt.date(2024, 7, 1)),
        ("2024-q1", "quarter", dt.date(2024, 1, 1)),
        ("2024-07", "month", dt.date(2024, 7, 1)),
    ],
)
def test_periods_are_fixed(text: str, kind: str, start: dt.date) -> None:
    assert period_parse(text=text) == (kind, start)


@pytest.mark.parametrize("text", ["2024-T5", "2024-13", "24", "2024-07-03", "hier"])
def test_other_periods_are_refused_in_french(text: str) -> None:
    with pytest.raises(ReportingError, match="Période invalide"):
        period_parse(text=text)


def test_a_period_not_yet_ended_is_refused(db: None, base: None) -> None:
    this_year = timezone.localdate().replace(month=1, day=1)
    with pytest.raises(ReportingError, match="pas terminée"):
        release_start(period_kind="year", period_start=this_year, actor_id=None)


def test_a_period_not_aligned_is_refused(db: None, base: None) -> None:
    with pytest.raises(ReportingError, match="périodes fixes"):
        release_start(period_kind="quarter", period_start=dt.date(2024, 2, 1), actor_id=None)


def test_starting_a_release_queues_one_extraction_per_departement(
    db: None, base: None, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from tenants.statistics import tasks

    sent: list[tuple[str, dict]] = []
    from parcours.db import connection

    monkeypatch.setattr(
        tasks.extract_departement,
        "apply_async",
        lambda kwargs: sent.append((connection.schema_name, kwargs)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        release = release_start(period_kind="year", period_start=JAN_2024, actor_id=None)
    assert sorted(schema for schema, _ in sent) == ["dep_13", "dep_31", "dep_75"]
    assert all(kwargs == {"release_id": release.pk} for _, kwargs in sent)


def test_the_tasks_extract_then_consolidate_when_the_last_departement_is_done(
    seeded, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from django_tenants.utils import schema_context

    from parcours.reporting import tasks
    from tenants.statistics import tasks as departement_tasks

    consolidations: list[dict] = []
    monkeypatch.setattr(
        tasks.consolidate_release, "apply_async", lambda kwargs: consolidations.append(kwargs)
    )
    release = release_start(period_kind="year", period_start=JAN_2024, actor_id=None, queue=False)
    for code in ("31", "75", "13"):
        with django_capture_on_commit_callbacks(execute=True), schema_context(f"dep_{code}"):
            departement_tasks.extract_departement(release_id=release.pk)
    # Idempotent: a retry of one département replaces its rows.
    with schema_context("dep_31"):
        departement_tasks.extract_departement(release_id=release.pk)
    assert consolidations == [{"release_id": release.pk}]
    assert (
        StagingCount.objects.filter(
            release=release, departement="31", indicator="persons_in_pathway", dimension=""
        )
        .get()
        .value
        == 39
    )
    tasks.consolidate_release(release_id=release.pk)
    release.refresh_from_db()
    assert release.status == ReleaseStatus.PUBLISHED


def test_the_command_runs_a_release_without_a_worker(seeded, capsys) -> None:
    call_command("statistics_release", "--period", "2024", "--sync")
    assert "published: 3 départements included" in capsys.readouterr().out


def test_flows_are_published_for_years_only(seeded) -> None:
    """A year's exits are the sum of its quarters': a band or a secret of one would be undone
    by difference with the other, so quarters and months publish stocks only."""
    quarter = release_run_sync(
        period_kind="quarter", period_start=dt.date(2024, 1, 1), actor_id=None
    )
    year = release_run_sync(period_kind="year", period_start=JAN_2024, actor_id=None)
    assert year.figures.filter(indicator="exits", dimension="").exists()
    assert year.figures.filter(indicator="decision_delay_median").exists()
    for flow in ("exits", "first_requests", "refusals", "decision_delay_median"):
        assert not quarter.figures.filter(indicator=flow).exists(), flow
    # Stocks are counted on one day: they and their breakdowns are published for every period
    # kind, and so are the institution's facts.
    assert quarter.figures.filter(indicator="persons_in_pathway", dimension="children").exists()
    assert quarter.figures.filter(indicator="sessions_held").exists()


def test_stock_breakdowns_of_a_year_and_its_last_quarter_are_identical(seeded) -> None:
    """Same day, same persons: the same cells are hidden, nothing to difference."""
    year = release_run_sync(period_kind="year", period_start=JAN_2024, actor_id=None)
    q4 = release_run_sync(period_kind="quarter", period_start=dt.date(2024, 10, 1), actor_id=None)

    def stock(release: Release) -> set[tuple]:
        return set(
            release.figures.filter(indicator="persons_in_pathway")
            .exclude(dimension="")
            .values_list("level", "code", "dimension", "category", "shown")
        )

    assert stock(year) == stock(q4)


def test_refusals_of_the_period_are_counted(release_2024) -> None:
    # About one refusal for ten persons in pathway (seeding): 3 + 14 + 0, France as 1–5 + 14.
    assert figure(release_2024, "refusals", "departement", "75") == "14"
    assert figure(release_2024, "refusals", "france", "FR") == "15–19"


def test_breakdowns_by_sex_age_and_world_region_are_published_under_the_secret(
    release_2024,
) -> None:
    k = release_2024.rules["k"]
    for dimension in ("sex", "age_band", "world_region"):
        cells = release_2024.figures.filter(
            indicator="persons_in_pathway", dimension=dimension, level="france"
        )
        assert cells.count() >= 4, dimension
        assert not cells.filter(value__gte=1, value__lt=k).exists()
    # Paris (148 persons): its small cells are hidden, and what its hidden cells hold together
    # (148 less the published ones) is 0 or at least k, never a small group.
    paris = release_2024.figures.filter(
        indicator="persons_in_pathway", dimension="sex", level="departement", code="75"
    )
    assert paris.filter(disclosure="suppressed").exists()
    hidden_together = 148 - sum(f.value for f in paris.filter(disclosure="exact"))
    assert hidden_together == 0 or hidden_together >= k


def test_decision_delays_are_published_only_where_k_decisions_stand_behind_them(
    release_2024,
) -> None:
    def shown(indicator: str, level: str, code: str) -> PublishedFigure:
        return PublishedFigure.objects.get(
            release=release_2024, indicator=indicator, level=level, code=code
        )

    median = shown("decision_delay_median", "france", "FR")
    p90 = shown("decision_delay_p90", "france", "FR")
    assert median.disclosure == "exact" and 28 <= median.value <= p90.value <= 90
    # Bouches-du-Rhône: 4 persons, fewer than k decisions: its median would be one person's.
    assert shown("decision_delay_median", "departement", "13").shown == "s"
    assert shown("decision_delay_median", "departement", "75").disclosure == "exact"


def test_the_afis_due_is_published_where_k_beneficiaries_stand_behind_it(release_2024) -> None:
    figures = {
        (f.level, f.code): f
        for f in release_2024.figures.filter(indicator="afis_amount_due", dimension="")
    }
    assert figures[("departement", "13")].shown == "s"  # 1 to 5 beneficiaries
    # Its région holds no other département of the release: it is hidden too. With France
    # exact and one complement (Haute-Garonne's), Haute-Garonne would compute Bouches-du-Rhône's
    # amount from its own: France is hidden as well, Paris's amount stays published.
    assert figures[("region", "93")].shown == "s"
    assert figures[("france", "FR")].shown == "s"
    paris = figures[("departement", "75")]
    assert paris.disclosure == "exact" and paris.value > 100 * 343


def test_associations_approved_in_several_departements_are_counted_once(
    seeded, tenant31, tenant75
) -> None:
    from parcours.associations.models import Association
    from parcours.db import connection
    from tenants.agrements.models import Agrement, AgrementStatus

    association = Association.objects.get(rna="W000002024")
    for tenant in (tenant31, tenant75):
        connection.set_tenant(tenant)
        Agrement.objects.create(
            association=association,
            status=AgrementStatus.APPROVED,
            requested_on=dt.date(2023, 1, 1),
            valid_from=dt.date(2023, 2, 1),
            valid_until=dt.date(2026, 2, 1),
        )
    connection.set_schema_to_public()
    release = release_run_sync(period_kind="year", period_start=JAN_2024, actor_id=None)
    several = {
        (f.level, f.code): f.value
        for f in release.figures.filter(indicator="associations_several_departements")
    }
    assert several[("france", "FR")] == 1
    assert several[("departement", "31")] == several[("departement", "75")] == 1
    assert several[("departement", "13")] == 0


def test_prevention_figures_are_published_for_years_only(seeded, tenant31) -> None:
    from parcours.db import connection
    from tenants.pilotage.models import PeriodFigures

    connection.set_tenant(tenant31)
    PeriodFigures.objects.create(year=2024, buyers_fined=23, procuring_proceedings=4)
    connection.set_schema_to_public()
    year = release_run_sync(period_kind="year", period_start=JAN_2024, actor_id=None)
    assert figure(year, "buyers_fined", "departement", "31") == "23"
    assert figure(year, "procuring_proceedings", "departement", "31") == "1–5"
    quarter = release_run_sync(period_kind="quarter", period_start=JAN_2024, actor_id=None)
    assert not quarter.figures.filter(indicator="buyers_fined").exists()
