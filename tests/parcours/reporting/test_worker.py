"""The release pipeline through a real Celery worker: fan-out per schema, then consolidation."""

from __future__ import annotations

import datetime as dt

import pytest

from parcours.reporting.models import Release, ReleaseStatus
from tests.test_celery_worker import _outcome, _wait_for, mail_dir, worker  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("worker"),
]


def test_a_release_is_extracted_per_departement_and_published_by_the_worker() -> None:
    from infra.dev.seeding.national import national_figures_seed
    from parcours.reporting.services import release_start

    national_figures_seed(distribution={"31": 39, "75": 148, "13": 4})
    release = release_start(period_kind="year", period_start=dt.date(2024, 1, 1), actor_id=None)

    def published() -> bool:
        release.refresh_from_db()
        return release.status == ReleaseStatus.PUBLISHED

    _wait_for(published, seconds=90)
    assert release.departements_included == ["13", "31", "75"]
    france = release.figures.get(level="france", indicator="persons_in_pathway", dimension="")
    assert france.shown == "188–192"  # 39 + 148 + Bouches-du-Rhône's 1–5
    assert Release.objects.count() == 1


def test_the_national_annual_report_is_built_by_the_worker_once() -> None:
    import io

    from pypdf import PdfReader

    from infra.dev.seeding.national import national_figures_seed
    from parcours.reporting.annual_report import national_report_request
    from parcours.reporting.models import NationalReport
    from parcours.reporting.tasks import generate_national_report
    from tenants.statistics.services import release_run_sync

    national_figures_seed(distribution={"31": 39, "75": 148, "13": 4})
    release = release_run_sync(period_kind="year", period_start=dt.date(2024, 1, 1), actor_id=None)
    report = national_report_request(release_id=release.pk, actor_id=None)

    def ready() -> bool:
        report.refresh_from_db()
        return report.status == "ready"

    _wait_for(ready, seconds=90)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(report.pdf))).pages)
    assert "Rapport national 2024" in text and "188–192" in text
    # Sent again (a retry, a redelivery): the finished report is left as it is.
    outcome = _outcome(generate_national_report.apply_async(kwargs={"report_id": report.pk}))
    assert outcome["status"] == "ready"
    assert NationalReport.objects.count() == 1
    assert NationalReport.objects.get().sha256 == report.sha256


def test_the_command_lines_release_forks_its_extractions_and_publishes_the_same_figures() -> None:
    from infra.dev.seeding.national import national_figures_seed
    from tenants.statistics.services import release_run_sync

    national_figures_seed(distribution={"31": 39, "75": 148, "13": 4})
    alone = release_run_sync(period_kind="year", period_start=dt.date(2024, 1, 1), actor_id=None)
    figures = sorted(alone.figures.values_list("indicator", "level", "code", "category", "shown"))
    forked = release_run_sync(
        period_kind="year", period_start=dt.date(2024, 1, 1), actor_id=None, jobs=2
    )
    assert forked.pk == alone.pk and forked.status == ReleaseStatus.PUBLISHED
    assert forked.departements_included == ["13", "31", "75"]
    assert (
        sorted(forked.figures.values_list("indicator", "level", "code", "category", "shown"))
        == figures
    )
