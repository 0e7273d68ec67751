"""api/views/national_statistics.py: the national annual reports (national host)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from parcours.audit.models import AuditEvent
from parcours.reporting import tasks
from parcours.reporting.models import NationalReport, Release
from tests.conftest import client_for
from tests.parcours.reporting.guards import no_departement_schema

RELEASES = "/api/v1/statistics/releases/"
REPORTS = "/api/v1/statistics/reports/"


def reports_of(release: Release) -> str:
    return f"{RELEASES}{release.pk}/reports/"


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(
        tasks.generate_national_report, "apply_async", lambda kwargs: sent.append(kwargs)
    )
    return sent


def test_the_operator_requests_a_report_and_gets_it_pending(
    login: Any,
    release_2024: Release,
    queued: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = login("national_operator", None).post(reports_of(release_2024))
    assert response.status_code == 202
    body = response.json()
    assert (body["period"], body["version"], body["status"]) == ("2024", 1, "pending")
    assert body["download"] is None
    assert queued == [{"report_id": body["id"]}]


def test_the_analyst_cannot_request_a_report(login: Any, release_2024: Release) -> None:
    response = login("national_analyst", None).post(reports_of(release_2024))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not NationalReport.objects.exists()


def test_a_quarter_release_is_refused_with_the_reason_in_french(login: Any, db: None) -> None:
    quarter = Release.objects.create(
        period_kind="quarter",
        period_start=dt.date(2024, 10, 1),
        period_end=dt.date(2024, 12, 31),
        snapshot_on=dt.date(2024, 12, 31),
        status="published",
        started_at=dt.datetime(2025, 1, 2, tzinfo=dt.UTC),
        published_at=dt.datetime(2025, 1, 2, tzinfo=dt.UTC),
    )
    response = login("national_operator", None).post(reports_of(quarter))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "refused"
    assert "porte sur une année" in error["fields"]["non_field_errors"][0]


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_release_is_a_404_in_the_error_format(login: Any, db: None, method: str) -> None:
    response = getattr(login("national_operator", None), method)(f"{RELEASES}987654/reports/")
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404


def test_both_national_roles_list_the_reports_and_download_a_ready_one(
    login: Any, report_2024: NationalReport
) -> None:
    for role in ("national_analyst", "national_operator"):
        client = login(role, None)
        [listed] = client.get(reports_of(report_2024.release)).json()["results"]
        assert (
            listed["status"] == "ready" and listed["download"] == f"{REPORTS}{report_2024.pk}/pdf/"
        )
        assert client.get(f"{REPORTS}{report_2024.pk}/").json()["sha256"] == report_2024.sha256
        response = client.get(listed["download"])
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert (
            response["Content-Disposition"]
            == 'attachment; filename="rapport-national-annee-2024-v1.pdf"'
        )
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        assert "188–192" in text  # France, the sum of its parts' intervals
    assert AuditEvent.objects.filter(action="reporting.national_report_downloaded").count() == 2


def test_a_pending_report_has_no_pdf_yet(login: Any, release_2024: Release) -> None:
    client = login("national_operator", None)
    report_id = client.post(reports_of(release_2024)).json()["id"]
    assert client.get(f"{REPORTS}{report_id}/").json()["status"] == "pending"
    response = client.get(f"{REPORTS}{report_id}/pdf/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("role", ["coordinator", "prefet", "association_worker", "dpo", "member"])
def test_departement_roles_are_refused_every_report_route(
    report_2024: NationalReport, role: str
) -> None:
    client = client_for(role, "31", on=None)
    for path in (
        reports_of(report_2024.release),
        f"{REPORTS}{report_2024.pk}/",
        f"{REPORTS}{report_2024.pk}/pdf/",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "permission_denied"
    assert client.post(reports_of(report_2024.release)).status_code == 403


def test_anonymous_people_are_asked_to_authenticate(report_2024: NationalReport) -> None:
    response = Client(HTTP_HOST="localhost").get(f"{REPORTS}{report_2024.pk}/pdf/")
    assert response.status_code in {401, 403}
    assert response.json()["error"]["code"] == "not_authenticated"
    assert b"%PDF" not in response.content


@pytest.mark.parametrize("role", ["coordinator", "national_operator"])
def test_a_departement_host_does_not_serve_the_reports(
    report_2024: NationalReport, role: str
) -> None:
    code = None if role == "national_operator" else "31"
    client = client_for(role, code, on="31")
    response = client.get(f"{REPORTS}{report_2024.pk}/pdf/")
    assert response.status_code == 404
    assert b"%PDF" not in response.content


def test_the_report_routes_never_touch_a_departement_schema(
    login: Any, report_2024: NationalReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = login("national_operator", None)
    with no_departement_schema(monkeypatch):
        assert client.post(reports_of(report_2024.release)).status_code == 202
        assert client.get(reports_of(report_2024.release)).status_code == 200
        assert client.get(f"{REPORTS}{report_2024.pk}/pdf/").status_code == 200


def test_the_schema_documents_the_report_routes(db: None) -> None:
    response = client_for(None, None, on=None).get("/api/v1/schema/")
    for path in (
        b"/api/v1/statistics/releases/{id}/reports/",
        b"/api/v1/statistics/reports/{id}/",
        b"/api/v1/statistics/reports/{id}/pdf/",
    ):
        assert path in response.content
    assert b"application/pdf" in response.content
