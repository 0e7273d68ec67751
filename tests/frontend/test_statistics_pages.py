"""frontend/views/national_statistics.py: the national dashboard and its CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parcours.reporting.models import PublishedFigure
from tests.parcours.reporting.guards import no_departement_schema

PAGE = "/statistiques/"
CSV = "/statistiques/export.csv"


@pytest.mark.parametrize("role", ["national_analyst", "national_operator"])
def test_the_dashboard_shows_the_latest_release_with_its_period_and_rules(
    login, release_2024, role: str
) -> None:
    response = login(role, None).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Année du 01/01/2024 au 31/12/2024" in html
    assert "observés le 31/12/2024" in html
    assert "3 départements inclus" in html
    assert "à partir de 11" in html
    assert 'data-indicator="persons_in_pathway">191<' in html
    assert '<tr data-code="13"><td>13</td><th scope="row">Bouches-du-Rhône</th>' in html
    assert "1–5" in html


def test_the_dashboard_says_when_nothing_is_published(login) -> None:
    response = login("national_analyst", None).get(PAGE)
    assert response.status_code == 200
    assert "Aucune statistique n'a encore été publiée" in response.content.decode()


def test_the_dashboard_shows_a_breakdown_with_its_secrets(login, release_2024) -> None:
    response = login("national_analyst", None).get(PAGE + "?indicateur=persons_in_pathway")
    html = response.content.decode()
    assert "par durée dans le parcours (France)" in html
    assert "3 enfants ou plus" in html


def test_national_pages_never_touch_a_departement_schema(login, release_2024, monkeypatch) -> None:
    client = login("national_operator", None)
    with no_departement_schema(monkeypatch):
        assert client.get(PAGE).status_code == 200
        assert client.get(CSV).status_code == 200


def test_the_dashboard_costs_the_same_queries_whatever_the_number_of_departements(
    login, release_2024
) -> None:
    client = login("national_analyst", None)
    client.get(PAGE)  # warm the session and routing
    with CaptureQueriesContext(connection) as first:
        assert client.get(PAGE).status_code == 200
    template = PublishedFigure.objects.get(
        release=release_2024, level="departement", code="31", indicator="sessions_held"
    )
    for code in ("01", "02", "03", "04", "05", "06"):
        PublishedFigure.objects.create(
            release=release_2024,
            level="departement",
            code=code,
            indicator="persons_in_pathway",
            disclosure="banded",
            shown="1–5",
            band_low=1,
            band_high=5,
        )
    assert template.pk
    with CaptureQueriesContext(connection) as second:
        assert client.get(PAGE).status_code == 200
    assert len(second) == len(first)
    assert "Ain" in client.get(PAGE).content.decode()


def test_the_csv_export_holds_the_published_figures_only(login, release_2024) -> None:
    response = login("national_analyst", None).get(CSV + "?indicateur=persons_in_pathway")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode()), delimiter=";"))
    assert {r["indicateur"] for r in rows} == {"persons_in_pathway"}
    by_place = {(r["niveau"], r["code"]): r for r in rows if not r["dimension"]}
    assert by_place[("france", "FR")]["valeur_affichee"] == "191"
    assert by_place[("departement", "13")]["valeur_affichee"] == "1–5"
    assert by_place[("departement", "13")]["valeur_exacte"] == ""
    k = release_2024.rules["k"]
    for r in rows:
        if r["dimension"] and r["valeur_exacte"]:
            assert int(r["valeur_exacte"]) == 0 or int(r["valeur_exacte"]) >= k


def test_the_csv_export_of_nothing_published_is_a_french_404(login) -> None:
    response = login("national_analyst", None).get(CSV)
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "prefet"])
def test_departement_roles_get_no_statistics_page(login, release_2024, role: str) -> None:
    from tests.conftest import client_for

    assert client_for(role, "31", on=None).get(PAGE).status_code in {403, 404}


def test_the_operator_starts_a_release_and_sees_its_progress(
    login, seeded, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from parcours.reporting import tasks
    from parcours.reporting.models import Release

    monkeypatch.setattr(tasks.extract_departement, "apply_async", lambda kwargs: None)
    client = login("national_operator", None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/statistiques/publier/", {"periode": "2024-T4"})
    assert response.status_code == 302
    release = Release.objects.get()
    assert (release.period_kind, release.status) == ("quarter", "running")
    html = client.get(PAGE).content.decode()
    assert "0 départements traités sur 3" in html


def test_a_period_not_ended_is_refused_with_a_french_message(login, seeded) -> None:
    client = login("national_operator", None)
    response = client.post("/statistiques/publier/", {"periode": "2999"}, follow=True)
    assert "La période n&#x27;est pas terminée" in response.content.decode()


def test_the_analyst_cannot_start_a_release(login, seeded) -> None:
    response = login("national_analyst", None).post("/statistiques/publier/", {"periode": "2024"})
    assert response.status_code == 403


def test_the_map_colours_each_departement_by_its_published_band(login, release_2024) -> None:
    html = login("national_analyst", None).get(PAGE).content.decode()
    assert "<title>75 – Paris : 148</title>" in html
    assert "<title>13 – Bouches-du-Rhône : 1–5</title>" in html
    assert "<title>69 – Rhône : non inclus</title>" in html
    assert html.count('<g data-code="') == 101


def test_every_departement_has_a_tile_of_its_own() -> None:
    from parcours.reporting.map import grid

    cells = grid()
    assert len(cells) == 101
    assert len(set(cells.values())) == 101


def test_the_commissions_oversight_lists_where_to_act_first(login, release_2024) -> None:
    response = login("national_operator", None).get("/statistiques/commissions/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 sans commission installée" in html
    assert (
        html.index('data-code="13"') < html.index('data-code="31"') < html.index('data-code="75"')
    )


def test_the_oversight_page_never_touches_a_departement_schema(
    login, release_2024, monkeypatch
) -> None:
    client = login("national_analyst", None)
    with no_departement_schema(monkeypatch):
        assert client.get("/statistiques/commissions/").status_code == 200


def test_the_xlsx_export_holds_the_same_figures_as_the_csv(login, release_2024) -> None:
    from openpyxl import load_workbook

    client = login("national_analyst", None)
    response = client.get("/statistiques/export.xlsx?indicateur=persons_in_pathway")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    csv_rows = list(
        csv.reader(
            io.StringIO(client.get(CSV + "?indicateur=persons_in_pathway").content.decode()),
            delimiter=";",
        )
    )
    assert len(rows) == len(csv_rows)
    france = next(r for r in rows if r[4] == "france" and not r[8])
    assert france[10] == "191" and france[11] == 191
