"""api/views/national_statistics.py: published releases and figures (national host)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parcours.reporting.models import PublishedFigure, ReleaseStatus
from tests.conftest import client_for
from tests.parcours.reporting.guards import no_departement_schema

RELEASES = "/api/v1/statistics/releases/"


@pytest.mark.parametrize("role", ["national_analyst", "national_operator"])
def test_releases_list_the_published_ones_with_their_rules(login, release_2024, role: str) -> None:
    response = login(role, None).get(RELEASES)
    assert response.status_code == 200
    [release] = response.json()["results"]
    assert release["period_start"] == "2024-01-01"
    assert release["snapshot_on"] == "2024-12-31"
    assert release["rules"]["k"] == 11
    assert release["departements_included"] == ["13", "31", "75"]


def test_a_running_release_is_not_served(login, release_2024) -> None:
    release_2024.status = ReleaseStatus.RUNNING
    release_2024.save()
    client = login("national_analyst", None)
    assert client.get(RELEASES).json()["results"] == []
    response = client.get(f"{RELEASES}{release_2024.pk}/figures/")
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404


def test_figures_are_filtered_by_indicator_and_level(login, release_2024) -> None:
    response = login("national_analyst", None).get(
        f"{RELEASES}{release_2024.pk}/figures/?indicator=persons_in_pathway&level=departement&dimension="
    )
    assert response.status_code == 200
    shown = {f["code"]: f["shown"] for f in response.json()["results"]}
    assert shown == {"13": "1–5", "31": "39", "75": "148"}


def test_an_unknown_filter_is_refused_in_the_error_format(login, release_2024) -> None:
    response = login("national_analyst", None).get(
        f"{RELEASES}{release_2024.pk}/figures/?indicator=names"
    )
    assert response.status_code == 400
    assert "indicator" in response.json()["error"]["fields"]


@pytest.mark.parametrize("role", ["coordinator", "prefet", "association_worker"])
def test_departement_roles_are_refused(release_2024, role: str) -> None:
    response = client_for(role, "31", on=None).get(RELEASES)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_the_api_never_touches_a_departement_schema(login, release_2024, monkeypatch) -> None:
    client = login("national_analyst", None)
    with no_departement_schema(monkeypatch):
        assert client.get(RELEASES).status_code == 200
        assert client.get(f"{RELEASES}{release_2024.pk}/figures/").status_code == 200


def test_the_figure_list_costs_constant_queries(login, release_2024) -> None:
    client = login("national_analyst", None)
    url = f"{RELEASES}{release_2024.pk}/figures/?page_size=200"
    client.get(url.replace("200", "198"))  # warm the session and routing, not this page
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for code in ("01", "02", "03"):
        PublishedFigure.objects.create(
            release=release_2024,
            level="departement",
            code=code,
            indicator="sessions_held",
            disclosure="exact",
            shown="0",
            value=0,
        )
    with CaptureQueriesContext(connection) as second:
        client.get(url.replace("200", "199"))  # another address: serialised, not cached
    assert len(second) == len(first)


def test_a_page_of_figures_is_serialised_once_and_its_permission_checked_every_time(
    login, release_2024
) -> None:
    client = login("national_analyst", None)
    url = f"{RELEASES}{release_2024.pk}/figures/?indicator=persons_in_pathway&level=departement"
    with CaptureQueriesContext(connection) as drawn:
        first = client.get(url).json()
    with CaptureQueriesContext(connection) as kept:
        again = client.get(url).json()
    assert again == first
    assert not any("reporting_publishedfigure" in q["sql"] for q in kept.captured_queries)
    assert len(kept) < len(drawn)
    refused = client_for("coordinator", "31", on=None).get(url)
    assert refused.status_code == 403
    release_2024.status = ReleaseStatus.RUNNING  # withdrawn from publication: no longer served
    release_2024.save()
    assert client.get(url).status_code == 404


def test_the_schema_documents_the_statistics_routes(login) -> None:
    response = client_for(None, None, on=None).get("/api/v1/schema/")
    assert b"/api/v1/statistics/releases/{id}/figures/" in response.content
