"""parcours.reporting.annual_report: the national annual report (PDF) of a published year."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from pypdf import PdfReader

from parcours.audit.models import AuditEvent
from parcours.reporting import tasks
from parcours.reporting.annual_report import (
    ReleaseNotFound,
    ReportNotReady,
    national_report_download,
    national_report_generate,
    national_report_request,
)
from parcours.reporting.models import NationalReport, Release, ReleaseStatus, ReportStatus
from parcours.reporting.services import ReportingError
from tenants.statistics.services import release_run_sync
from tests.parcours.reporting.guards import no_departement_schema


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The tasks the requests sent, instead of a broker."""
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(
        tasks.generate_national_report, "apply_async", lambda kwargs: sent.append(kwargs)
    )
    return sent


def test_a_request_opens_a_pending_version_audits_it_and_queues_the_task_on_commit(
    release_2024: Release, queued: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report = national_report_request(release_id=release_2024.pk, actor_id=7)
    assert (report.version, report.status, report.requested_by_id) == (1, "pending", 7)
    assert queued == [{"report_id": report.pk}]
    event = AuditEvent.objects.get(action="reporting.national_report_requested")
    assert (event.actor_id, event.object_id) == (7, str(report.pk))


def test_a_second_request_while_pending_queues_the_same_version_again(
    release_2024: Release, queued: list[dict[str, Any]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = national_report_request(release_id=release_2024.pk, actor_id=7)
        second = national_report_request(release_id=release_2024.pk, actor_id=7)
    assert first.pk == second.pk
    assert NationalReport.objects.count() == 1
    assert queued == [{"report_id": first.pk}, {"report_id": first.pk}]


def test_the_generated_pdf_parses_and_shows_the_published_figures_only(
    release_2024: Release, queued: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    report = national_report_request(release_id=release_2024.pk, actor_id=None)
    with no_departement_schema(monkeypatch):
        done = national_report_generate(report_id=report.pk)
    assert done is not None and done.status == ReportStatus.READY
    stored = NationalReport.objects.get(pk=report.pk)
    assert stored.pdf is not None and bytes(stored.pdf).startswith(b"%PDF-")
    assert stored.size == len(bytes(stored.pdf)) and len(stored.sha256) == 64
    assert stored.release_published_at == release_2024.published_at
    text = text_of(bytes(stored.pdf))
    assert "Rapport national 2024" in text
    assert "Personnes en parcours de sortie" in text
    assert "188–192" in text  # the national total as published (a range: 13 is banded)
    assert "1–5" in text  # Bouches-du-Rhône, banded as published
    assert "secret statistique" in text
    assert "Seuil k = 11" in text
    assert "Départements inclus (3)" in text
    assert AuditEvent.objects.filter(action="reporting.national_report_generated").count() == 1


def test_running_the_task_twice_keeps_one_report_and_one_pdf(
    release_2024: Release, queued: list[dict[str, Any]]
) -> None:
    report = national_report_request(release_id=release_2024.pk, actor_id=None)
    first = tasks.generate_national_report.apply(kwargs={"report_id": report.pk}).get()
    digest = NationalReport.objects.get(pk=report.pk).sha256
    second = tasks.generate_national_report.apply(kwargs={"report_id": report.pk}).get()
    assert first["status"] == second["status"] == "ready"
    assert NationalReport.objects.count() == 1
    assert NationalReport.objects.get(pk=report.pk).sha256 == digest
    assert AuditEvent.objects.filter(action="reporting.national_report_generated").count() == 1


def test_a_request_after_a_finished_report_makes_a_new_version(
    release_2024: Release, queued: list[dict[str, Any]]
) -> None:
    first = national_report_request(release_id=release_2024.pk, actor_id=None)
    national_report_generate(report_id=first.pk)
    second = national_report_request(release_id=release_2024.pk, actor_id=None)
    assert (second.version, second.status) == (2, "pending")
    assert NationalReport.objects.get(pk=first.pk).status == "ready"


def test_a_report_of_a_release_re_run_since_is_marked_outdated(
    release_2024: Release, queued: list[dict[str, Any]]
) -> None:
    report = national_report_request(release_id=release_2024.pk, actor_id=None)
    national_report_generate(report_id=report.pk)
    release_run_sync(period_kind="year", period_start=dt.date(2024, 1, 1), actor_id=None)
    assert NationalReport.objects.select_related("release").get(pk=report.pk).outdated


def test_a_task_for_a_release_being_recomputed_fails_with_a_french_reason(
    release_2024: Release, queued: list[dict[str, Any]]
) -> None:
    report = national_report_request(release_id=release_2024.pk, actor_id=None)
    Release.objects.filter(pk=release_2024.pk).update(status=ReleaseStatus.RUNNING)
    done = national_report_generate(report_id=report.pk)
    assert done is not None and done.status == ReportStatus.FAILED
    assert "recalcul" in done.error


def test_a_task_for_a_report_that_no_longer_exists_does_nothing(db: None) -> None:
    assert tasks.generate_national_report.apply(kwargs={"report_id": 999_999}).get() == {
        "report": 999_999,
        "skipped": True,
    }


@pytest.mark.parametrize(
    ("kind", "start", "status", "message"),
    [
        ("quarter", dt.date(2024, 10, 1), ReleaseStatus.PUBLISHED, "porte sur une année"),
        ("year", dt.date(2023, 1, 1), ReleaseStatus.RUNNING, "publication achevée"),
        ("year", dt.date(2022, 1, 1), ReleaseStatus.FAILED, "publication achevée"),
    ],
)
def test_only_a_published_year_release_has_an_annual_report(
    db: None, queued: list[dict[str, Any]], kind: str, start: dt.date, status: str, message: str
) -> None:
    release = Release.objects.create(
        period_kind=kind,
        period_start=start,
        period_end=start,
        snapshot_on=start,
        status=status,
        started_at=dt.datetime(2025, 1, 2, tzinfo=dt.UTC),
    )
    with pytest.raises(ReportingError, match=message):
        national_report_request(release_id=release.pk, actor_id=None)
    assert not NationalReport.objects.exists()


def test_an_unknown_release_is_not_found(db: None) -> None:
    with pytest.raises(ReleaseNotFound):
        national_report_request(release_id=424242, actor_id=None)


def test_a_download_is_audited_and_a_pending_report_has_nothing_to_download(
    release_2024: Release, queued: list[dict[str, Any]]
) -> None:
    report = national_report_request(release_id=release_2024.pk, actor_id=None)
    with pytest.raises(ReportNotReady):
        national_report_download(report_id=report.pk, actor_id=5)
    national_report_generate(report_id=report.pk)
    downloaded = national_report_download(report_id=report.pk, actor_id=5)
    assert bytes(downloaded.pdf or b"").startswith(b"%PDF-")
    event = AuditEvent.objects.get(action="reporting.national_report_downloaded")
    assert (event.actor_id, event.object_id) == (5, str(report.pk))


def test_the_report_reads_a_fixed_number_of_queries_whatever_the_departements(
    release_2024: Release, django_assert_num_queries: Any
) -> None:
    from parcours.reporting.annual_report import report_context
    from parcours.reporting.models import PublishedFigure

    report_context(release=release_2024)  # the connection's search path is set once
    with django_assert_num_queries(7):  # dashboard 3, breakdowns, outcome labels, trends 2
        report_context(release=release_2024)
    PublishedFigure.objects.bulk_create(
        PublishedFigure(
            release=release_2024,
            level="departement",
            code=code,
            indicator="persons_in_pathway",
            disclosure="banded",
            shown="1–5",
            band_low=1,
            band_high=5,
        )
        for code in ("01", "02", "03", "2A", "971")
    )
    with django_assert_num_queries(7):
        context = report_context(release=release_2024)
    by_departement = next(
        t for t in context["management_tables"] if t.caption.startswith("Par département")
    )
    assert "971 – Guadeloupe" in [place for place, _ in by_departement.rows]


def test_a_finished_version_is_never_rewritten_even_after_its_release_is_re_run(
    release_2024: Release, queued: list[dict[str, Any]]
) -> None:
    report = national_report_request(release_id=release_2024.pk, actor_id=None)
    national_report_generate(report_id=report.pk)
    before = NationalReport.objects.get(pk=report.pk)
    release_run_sync(period_kind="year", period_start=dt.date(2024, 1, 1), actor_id=None)
    national_report_generate(report_id=report.pk)
    after = NationalReport.objects.get(pk=report.pk)
    assert (after.sha256, after.generated_at) == (before.sha256, before.generated_at)
    assert after.release_published_at == before.release_published_at
