"""frontend/views/national_statistics.py: the national dashboard and its CSV export."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test import Client
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
    assert (
        "<strong data-period>Année 2024</strong> : flux du 1er janvier 2024 au 31 décembre 2024"
        in html
    )
    assert "observés le 31 décembre 2024" in html
    assert "3 départements inclus" in html
    assert "à partir de 11" in html
    assert 'data-indicator="persons_in_pathway">188–192<' in html
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
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert {r["indicateur"] for r in rows} == {"persons_in_pathway"}
    by_place = {(r["niveau"], r["code"]): r for r in rows if not r["dimension"]}
    assert by_place[("france", "FR")]["valeur_affichee"] == "188–192"
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
    from parcours.reporting.models import Release
    from tenants.statistics import tasks

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
    assert "<title>69 – Rhône : non inclus dans la publication</title>" in html
    assert html.count('<g data-code="') == 101


def test_every_departement_has_a_tile_of_its_own() -> None:
    from parcours.reporting.map import grid

    cells = grid()
    assert len(cells) == 101
    assert len(set(cells.values())) == 101


def test_the_xlsx_export_holds_the_same_figures_as_the_csv(login, release_2024) -> None:
    from openpyxl import load_workbook

    client = login("national_analyst", None)
    response = client.get("/statistiques/export.xlsx?indicateur=persons_in_pathway")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    csv_rows = list(
        csv.reader(
            io.StringIO(
                client.get(CSV + "?indicateur=persons_in_pathway").content.decode("utf-8-sig")
            ),
            delimiter=";",
        )
    )
    assert len(rows) == len(csv_rows)
    assert list(rows[0]) == csv_rows[0]
    france = next(r for r in rows if r[4] == "france" and not r[8])
    assert france[10] == "188–192" and france[11] in (None, "")  # a range has no value


def _past_year(release, year: int):  # type: ignore[no-untyped-def]
    """A published release of an earlier year with the same figures (trend charts need
    several releases; computing each would take seconds)."""
    import datetime as dt

    from parcours.reporting.models import Release

    past = Release.objects.create(
        period_kind="year",
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        snapshot_on=dt.date(year, 12, 31),
        status="published",
        rules=release.rules,
        departements_expected=release.departements_expected,
        departements_included=release.departements_included,
        started_at=release.started_at,
        published_at=release.published_at,
    )
    figures = list(PublishedFigure.objects.filter(release=release))
    for figure in figures:
        figure.pk = None
        figure.release = past
    PublishedFigure.objects.bulk_create(figures)
    return past


def _forget_cached(settings) -> None:  # type: ignore[no-untyped-def]
    """Start from an empty cache without clearing one the other test workers share (a prefix
    of its own, as tests/conftest.py gives each test)."""
    settings.CACHES = {
        alias: {**conf, "KEY_PREFIX": f"{conf.get('KEY_PREFIX', '')}x"}
        for alias, conf in settings.CACHES.items()
    }


def test_the_dashboard_costs_the_same_queries_with_one_release_or_three(
    login, release_2024, settings, django_assert_num_queries
) -> None:
    client = login("national_analyst", None)
    client.get(PAGE)  # warm the session and routing
    _forget_cached(settings)  # the release's board is drawn, not read from the cache
    with CaptureQueriesContext(connection) as one:
        assert client.get(PAGE).status_code == 200
    _past_year(release_2024, 2023)
    _past_year(release_2024, 2022)
    _forget_cached(settings)
    with django_assert_num_queries(len(one)):
        html = client.get(PAGE).content.decode()
    assert 'data-period="2022"' in html and 'data-period="2023"' in html


def test_the_release_board_is_drawn_once_and_drawn_again_when_a_release_is_added(
    login, release_2024, settings
) -> None:
    client = login("national_analyst", None)
    _forget_cached(settings)
    with CaptureQueriesContext(connection) as drawn:
        first = client.get(PAGE).content.decode()
    with CaptureQueriesContext(connection) as kept:
        again = client.get(PAGE).content.decode()
    assert len(kept) < len(drawn)
    board = re.compile(
        r'<div class="fr-grid-row fr-grid-row--gutters fr-mb-1w" id="publication">.*id="regles">',
        re.S,
    )
    assert board.search(first).group(0) == board.search(again).group(0)  # type: ignore[union-attr]
    _past_year(release_2024, 2023)
    html = client.get(PAGE).content.decode()
    # The choices offered and the trends include the release added since.
    assert 'data-period="2023"' in html and 'id="choix-publication"' in html
    operator = login("national_operator", None).get(PAGE).content.decode()
    assert 'href="#publier">Calculer une publication' in operator
    assert 'href="#publier">Calculer une publication' not in html


def test_each_trend_chart_is_an_accessible_image_described_by_its_table(
    login, release_2024
) -> None:
    import re

    html = login("national_analyst", None).get(PAGE).content.decode()
    charts = re.findall(r'<svg [^>]*role="img"[^>]*aria-describedby="([^"]+)"', html)
    assert set(charts) == {
        f"tendance-{code}-table"
        for code in (
            "persons_in_pathway",
            "first_requests",
            "authorisations",
            "exits",
            "afis_beneficiaries",
        )
    }
    for table_id in charts:
        assert f'<table id="{table_id}">' in html
    assert '<title id="tendance-persons_in_pathway-titre">' in html
    assert "Personnes en parcours de sortie, France, par période publiée (2024 : 188–192)" in html


def test_a_banded_france_figure_is_plotted_as_its_band_and_a_secret_one_not_at_all(
    login, release_2024
) -> None:
    import re

    for year, shown, extra in (
        (2023, "6–10", {"disclosure": "banded", "value": None, "band_low": 6, "band_high": 10}),
        (2022, "s", {"disclosure": "suppressed", "value": None}),
    ):
        past = _past_year(release_2024, year)
        PublishedFigure.objects.filter(
            release=past, level="france", indicator="exits", dimension=""
        ).update(shown=shown, **extra)
    html = login("national_analyst", None).get(PAGE).content.decode()
    exits = html[html.index('data-trend="exits"') :]
    exits = exits[: exits.index("</figure>")]
    banded = re.search(r'<g data-period="2023" data-kind="banded">(.*?)</g>', exits, re.S)
    assert banded and 'stroke-dasharray="4 2"' in banded.group(1) and ">6–10<" in banded.group(1)
    secret = re.search(r'<g data-period="2022" data-kind="suppressed">(.*?)</g>', exits, re.S)
    assert secret and "<rect" not in secret.group(1)
    assert '<th scope="row">2022</th><td>s</td><td>Secret statistique</td>' in exits
    assert '<th scope="row">2023</th><td>6–10</td><td>Par tranche</td>' in exits


REPORT_REQUEST = "/statistiques/rapports/demander/"


def test_the_operator_generates_the_annual_report_of_a_year_and_sees_it_in_progress(
    login, release_2024, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from parcours.reporting import tasks
    from parcours.reporting.models import NationalReport

    sent: list[dict[str, int]] = []
    monkeypatch.setattr(
        tasks.generate_national_report, "apply_async", lambda kwargs: sent.append(kwargs)
    )
    client = login("national_operator", None)
    assert "Générer le rapport annuel" in client.get(PAGE).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REPORT_REQUEST, {"publication": release_2024.pk})
    assert response.status_code == 302
    report = NationalReport.objects.get()
    assert sent == [{"report_id": report.pk}]
    html = client.get(PAGE).content.decode()
    row = html[html.index(f'data-report="{report.pk}"') :]
    assert "En cours" in row[: row.index("</tr>")]


def test_the_analyst_has_no_report_button_and_may_not_request_one(login, release_2024) -> None:
    client = login("national_analyst", None)
    assert "Générer le rapport annuel" not in client.get(PAGE).content.decode()
    assert client.post(REPORT_REQUEST, {"publication": release_2024.pk}).status_code == 403


@pytest.mark.parametrize("publication", ["987654", "abc", ""])
def test_a_report_request_for_no_release_is_a_404(login, db, publication: str) -> None:
    response = login("national_operator", None).post(REPORT_REQUEST, {"publication": publication})
    assert response.status_code == 404


def test_a_quarter_release_offers_no_annual_report_and_refuses_one(login, release_2024) -> None:
    from parcours.reporting.models import Release

    Release.objects.filter(pk=release_2024.pk).update(
        period_kind="quarter", period_start=release_2024.period_end.replace(month=10, day=1)
    )
    client = login("national_operator", None)
    assert "Générer le rapport annuel" not in client.get(PAGE).content.decode()
    response = client.post(REPORT_REQUEST, {"publication": release_2024.pk}, follow=True)
    assert "porte sur une année" in response.content.decode()


@pytest.mark.parametrize("role", ["national_analyst", "national_operator"])
def test_national_roles_download_a_ready_report_and_each_download_is_audited(
    login, report_2024, role: str
) -> None:
    import io

    from pypdf import PdfReader

    from parcours.audit.models import AuditEvent

    client = login(role, None)
    html = client.get(PAGE).content.decode()
    link = f"/statistiques/rapports/{report_2024.pk}/rapport.pdf"
    assert f'href="{link}"' in html
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Rapport national 2024" in text and "188–192" in text
    event = AuditEvent.objects.get(action="reporting.national_report_downloaded")
    assert event.object_id == str(report_2024.pk)


def test_a_report_not_ready_or_unknown_is_a_404(login, release_2024) -> None:
    from parcours.reporting.annual_report import national_report_request

    pending = national_report_request(release_id=release_2024.pk, actor_id=None)
    client = login("national_operator", None)
    assert client.get(f"/statistiques/rapports/{pending.pk}/rapport.pdf").status_code == 404
    assert client.get("/statistiques/rapports/987654/rapport.pdf").status_code == 404


def test_the_report_pages_are_closed_to_anonymous_people_and_departement_hosts(
    report_2024,
) -> None:
    from django.test import Client

    from tests.conftest import client_for

    link = f"/statistiques/rapports/{report_2024.pk}/rapport.pdf"
    anonymous = Client(HTTP_HOST="localhost").get(link)
    assert anonymous.status_code == 302 and "/connexion/" in anonymous["Location"]
    for role, code in (("coordinator", "31"), ("prefet", "31"), ("national_operator", None)):
        response = client_for(role, code, on="31").get(link)
        assert response.status_code == 404
        assert b"%PDF" not in response.content
    for role in ("coordinator", "prefet"):
        assert client_for(role, "31", on=None).get(link).status_code in {403, 404}


def test_report_pages_never_touch_a_departement_schema(login, report_2024, monkeypatch) -> None:
    client = login("national_operator", None)
    with no_departement_schema(monkeypatch):
        assert client.get(f"/statistiques/rapports/{report_2024.pk}/rapport.pdf").status_code == 200
        response = client.post(REPORT_REQUEST, {"publication": report_2024.release_id})
        assert response.status_code == 302


def test_the_ods_export_holds_the_same_figures_as_the_csv(login, release_2024) -> None:
    from tests.parcours.reporting.test_ods import read_back

    client = login("national_analyst", None)
    response = client.get("/statistiques/export.ods?indicateur=persons_in_pathway")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    assert response["Content-Disposition"].endswith('.ods"')
    rows = read_back(response.content)
    csv_rows = list(
        csv.reader(
            io.StringIO(
                client.get(CSV + "?indicateur=persons_in_pathway").content.decode("utf-8-sig")
            ),
            delimiter=";",
        )
    )
    assert len(rows) == len(csv_rows)
    assert rows[0] == csv_rows[0]
    france = next(r for r in rows if r[4] == "france" and not r[8])
    assert france[10] == "188–192" and france[11] in (None, "")  # a range has no value


def test_the_open_data_is_downloadable_as_ods_without_signing_in(release_2024) -> None:
    from django.test import Client

    from tests.parcours.reporting.test_ods import read_back

    page = Client(HTTP_HOST="localhost").get("/donnees-ouvertes/")
    assert "publication.ods" in page.content.decode()
    response = Client(HTTP_HOST="localhost").get("/donnees-ouvertes/publication.ods")
    assert response.status_code == 200
    assert len(read_back(response.content)) > 1


def _squares(html: str) -> dict[str, tuple[str, str | None]]:
    """Each map square's kind and the text it shows under its code (None: no text)."""
    import re

    squares = {}
    for code, kind, body in re.findall(
        r'<g data-code="([^"]+)" data-kind="([^"]+)">(.*?)</g>', html, re.S
    ):
        label = re.search(r"<text [^>]*data-label>([^<]*)</text>", body)
        squares[code] = (kind, label.group(1) if label else None)
    return squares


def test_each_square_of_the_map_shows_its_value_and_the_four_cases_read_apart(
    login, release_2024
) -> None:
    """Delays: 0 days, a secret, no decision at all, and a département not in the release."""
    delay = "decision_delay_median"
    cases = {
        "75": {"disclosure": "exact", "shown": "0", "value": 0},
        "31": {"disclosure": "suppressed", "shown": "s", "value": None},
        "13": {"disclosure": "exact", "shown": "—", "value": None},
    }
    for code, fields in cases.items():
        PublishedFigure.objects.filter(
            release=release_2024, level="departement", code=code, indicator=delay, dimension=""
        ).update(**fields)
    html = login("national_analyst", None).get(PAGE + f"?indicateur={delay}").content.decode()
    squares = _squares(html)
    assert len(squares) == 101
    assert squares["75"] == ("value", "0")
    assert squares["31"] == ("secret", "s")
    assert squares["13"] == ("empty", "—")  # no decision: not "non inclus"
    assert squares["69"] == ("excluded", None)
    assert "<title>13 – Bouches-du-Rhône : — (aucune décision sur la période)</title>" in html
    legend = html[html.index('class="parcours-legend"') :]
    legend = legend[: legend.index("</ul>")]
    for text in (
        "« s » : secret statistique",
        "« — » : aucune décision sur la période",
        "non inclus dans la publication",
    ):
        assert text in legend
    # The map comes before every table: near the top, after the key figures.
    assert html.index('id="chiffres-cles"') < html.index('id="carte"') < html.index('id="france"')


def test_a_count_map_shows_the_published_band_in_each_square(login, release_2024) -> None:
    squares = _squares(login("national_analyst", None).get(PAGE).content.decode())
    assert squares["75"] == ("value", "148")
    assert squares["13"] == ("value", "1–5")
    assert squares["31"] == ("value", "39")


def test_key_figures_say_what_they_count_and_when_with_thousands_set_apart(
    login, release_2024
) -> None:
    france = PublishedFigure.objects.filter(release=release_2024, level="france", dimension="")
    # Published exactly (the three-département fixture hides or ranges them).
    exact = {"disclosure": "exact", "band_low": None, "band_high": None}
    france.filter(indicator="afis_amount_due").update(shown="275783", value=275783, **exact)
    france.filter(indicator="first_requests").update(shown="1234", value=1234, **exact)
    html = login("national_analyst", None).get(PAGE).content.decode()
    assert (
        'data-indicator="afis_amount_due">275\u00a0783\u00a0€</td><td>au 31 décembre 2024<' in html
    )
    assert 'data-key="first_requests">1\u00a0234</p>' in html
    key = html[html.index('data-key="first_requests"') :]
    assert "Premières demandes déposées" in key[:300]
    assert "du 1er janvier 2024 au 31 décembre 2024" in key[:400]
    persons = html[html.index('data-key="persons_in_pathway"') :]
    assert "au 31 décembre 2024" in persons[:300]
    # The secret mark is explained in words wherever it can appear.
    assert "« s » : secret statistique" in html
    assert '<abbr title="secret statistique">s</abbr>' in html
    # And the CSV's convention is stated where it is downloaded.
    assert "point-virgule" in html and "BOM" in html


def test_the_year_stays_the_default_view_when_its_quarters_are_published(
    login, release_2024
) -> None:
    from django.test import Client

    from tests.parcours.reporting.test_default_release import publish_quarters_and_december

    quarters = publish_quarters_and_december(release_2024)
    client = login("national_analyst", None)
    html = client.get(PAGE).content.decode()
    assert "<strong data-period>Année 2024</strong>" in html
    assert f'<option value="{release_2024.pk}" selected>Année 2024</option>' in html
    assert f'<option value="{quarters[0].pk}">1er trimestre 2024</option>' in html
    assert f'<option value="{quarters[-1].pk}">Décembre 2024</option>' in html
    assert "2024-01-01" not in html
    quarter = client.get(PAGE + f"?publication={quarters[3].pk}").content.decode()
    assert "<strong data-period>4e trimestre 2024</strong>" in quarter
    # Open data and its download show the year too.
    anonymous = Client(HTTP_HOST="localhost")
    assert "Publication « Année 2024 »" in anonymous.get("/donnees-ouvertes/").content.decode()
    rows = list(
        csv.DictReader(
            io.StringIO(
                anonymous.get("/donnees-ouvertes/publication.csv").content.decode("utf-8-sig")
            ),
            delimiter=";",
        )
    )
    assert {(r["periode_debut"], r["periode_fin"]) for r in rows} == {("2024-01-01", "2024-12-31")}


def test_the_dashboard_costs_the_same_queries_with_the_quarters_published(
    login, release_2024, settings, django_assert_num_queries
) -> None:
    from tests.parcours.reporting.test_default_release import publish_quarters_and_december

    client = login("national_analyst", None)
    client.get(PAGE)  # warm the session and routing
    _forget_cached(settings)  # the release's board is drawn, not read from the cache
    with CaptureQueriesContext(connection) as year_alone:
        assert client.get(PAGE).status_code == 200
    publish_quarters_and_december(release_2024)
    _forget_cached(settings)
    with django_assert_num_queries(len(year_alone)):
        assert client.get(PAGE).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        CSV,
        "/donnees-ouvertes/publication.csv",
        "/donnees-ouvertes/confidentialite-differentielle.csv",
    ],
)
def test_every_csv_opens_in_a_french_excel_with_its_accents(
    login, dp_release_2024, url: str
) -> None:
    """A byte order mark, then ";" between fields; parsed back, the accents are intact."""
    client = login("national_analyst", None) if url == CSV else Client(HTTP_HOST="localhost")
    response = client.get(url)
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbfpublication;periode_debut;")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert "Personnes en parcours de sortie" in {r["libelle"] for r in rows}
    assert any("é" in r["libelle"] for r in rows)
