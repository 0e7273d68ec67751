"""Steering: the strategy, yearly aggregates and the annual activity report (PDF, generated in a task)."""

from __future__ import annotations

import html
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from parcours.storage import read_bytes
from tenants.pilotage.models import ActivityReport, PeriodFigures
from tenants.pilotage.services import PilotageError, action_save, axis_create, figures_record
from tenants.pilotage.tasks import generate_activity_report


def test_figures_are_non_negative_aggregates_one_row_per_year(in31) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    with pytest.raises(PilotageError):
        figures_record(access=coordinator, year=2025, values={"buyers_fined": -3})
    with pytest.raises(PilotageError):
        figures_record(access=coordinator, year=2015, values={"buyers_fined": 3})
    figures_record(
        access=coordinator, year=2025, values={"buyers_fined": 12, "awareness_courses": 4}
    )
    figures_record(access=coordinator, year=2025, values={"buyers_fined": 14})
    assert PeriodFigures.objects.get(year=2025).buyers_fined == 14
    with pytest.raises(PilotageError):
        figures_record(access=in31("prefet"), year=2025, values={"buyers_fined": 1})


def test_the_annual_report_combines_commission_files_figures_and_strategy(
    in31, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    coordinator = in31("coordinator")
    year = timezone.localdate().year
    axis = axis_create(
        access=coordinator, title="Accompagner vers la sortie", first_year=year, last_year=year + 2
    )
    action_save(
        access=coordinator,
        axis_id=axis.pk,
        action_id=None,
        data={
            "title": "Former les agents d'accueil",
            "owner": "DDETS",
            "indicator": "agents formés",
            "target": "40",
            "status": "in_progress",
        },
    )
    figures_record(access=coordinator, year=year, values={"buyers_fined": 27})
    report = ActivityReport.objects.get(pk=generate_activity_report(year=year))
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(read_bytes(report.storage_name))).pages
    )
    assert f"Rapport d'activité {year}" in text
    assert "Former les agents d'accueil" in text and "27" in text


def test_the_page_records_and_refuses_with_messages(login) -> None:  # type: ignore[no-untyped-def]
    coordinator = login("coordinator", "31")
    response = coordinator.post(
        "/pilotage/actions/",
        {"kind": "axis", "title": "Prévenir", "first_year": "2026", "last_year": "2040"},
        follow=True,
    )
    assert "Années incohérentes." in html.unescape(response.content.decode())
    assert (
        coordinator.post(
            "/pilotage/actions/",
            {"kind": "axis", "title": "Prévenir", "first_year": "2026", "last_year": "2028"},
        ).status_code
        == 302
    )
    assert "Prévenir" in html.unescape(coordinator.get("/pilotage/").content.decode())
    assert login("association_worker", "31").get("/pilotage/").status_code == 403


def test_the_strategy_through_the_api(login) -> None:  # type: ignore[no-untyped-def]
    coordinator = login("coordinator", "31")
    axis = coordinator.post(
        "/api/v1/pilotage/strategy/",
        {"title": "Former", "first_year": 2026, "last_year": 2028},
        content_type="application/json",
    )
    assert axis.status_code == 201
    action = coordinator.post(
        f"/api/v1/pilotage/strategy/{axis.json()['id']}/actions/",
        {"title": "Former 40 agents", "owner": "DDETS"},
        content_type="application/json",
    )
    assert action.status_code == 200
    listed = login("prefet", "31").get("/api/v1/pilotage/strategy/").json()
    assert listed[0]["actions"][0]["title"] == "Former 40 agents"
    bad = coordinator.post(
        "/api/v1/pilotage/strategy/",
        {"title": "X", "first_year": 2030, "last_year": 2020},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "refused"
    assert login("association_worker", "31").get("/api/v1/pilotage/strategy/").status_code == 403


@pytest.fixture
def report_requested(in31, django_capture_on_commit_callbacks, monkeypatch):  # type: ignore[no-untyped-def]
    """Ask the coordination's 2025 report; returns a function doing it, and the task's
    arguments as they were queued (the worker is not run)."""
    from tenants.pilotage import tasks
    from tenants.pilotage.services import activity_report_request

    sent: list[dict[str, int]] = []
    monkeypatch.setattr(
        tasks.generate_activity_report, "apply_async", lambda kwargs: sent.append(kwargs)
    )

    def request() -> dict[str, int]:
        with django_capture_on_commit_callbacks(execute=True):
            activity_report_request(access=in31("coordinator"), year=2025)
        return sent[-1]

    return request


def test_a_request_delivered_twice_builds_one_report(report_requested) -> None:  # type: ignore[no-untyped-def]
    kwargs = report_requested()
    first = generate_activity_report(**kwargs)
    again = generate_activity_report(**kwargs)  # the worker was lost: delivered again
    assert again == first
    assert ActivityReport.objects.filter(year=2025).count() == 1
    # Another request is another version.
    assert generate_activity_report(year=2025, request=kwargs["request"] + 10_000) != first
    assert ActivityReport.objects.filter(year=2025).count() == 2


def test_a_report_asked_for_is_under_way_until_it_is_built(report_requested) -> None:  # type: ignore[no-untyped-def]
    from tenants.pilotage.selectors import activity_reports_under_way

    assert activity_reports_under_way() == []
    kwargs = report_requested()
    assert activity_reports_under_way() == [2025]
    generate_activity_report(**kwargs)
    assert activity_reports_under_way() == []
