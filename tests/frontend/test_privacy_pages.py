"""frontend/views/national_privacy.py and the differentially private parts of the statistics
pages: the budget page, the ε of a release, the open-data page and its noisy CSV."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parcours.audit.models import AuditEvent
from parcours.reporting.models import (
    DpFigure,
    PrivacyBudget,
    PrivacySpend,
    PublishedFigure,
    Release,
    SpendStatus,
)
from parcours.reporting.privacy import BREAKDOWNS
from tenants.statistics import extraction as x
from tests.conftest import client_for
from tests.parcours.reporting.guards import no_departement_schema

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

BUDGET = "/statistiques/confidentialite/"
BUDGET_SET = "/statistiques/confidentialite/budget/"
OPEN = "/donnees-ouvertes/"
DP_CSV = "/donnees-ouvertes/confidentialite-differentielle.csv"


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


def written() -> tuple[int, ...]:
    return (
        Release.objects.count(),
        PrivacyBudget.objects.count(),
        PrivacySpend.objects.count(),
        DpFigure.objects.count(),
        AuditEvent.objects.count(),
    )


# The open data, for everyone.


class Cells(HTMLParser):
    """Every table cell of a page: (table's data-testid, row's data-code, cell's attributes,
    text)."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str, dict[str, str | None], str]] = []
        self.table = self.row = ""
        self.cell: dict[str, str | None] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "div" and found.get("data-testid"):
            self.table = found["data-testid"] or ""
        elif tag == "tr":
            self.row = found.get("data-code") or ""
        elif tag in {"td", "th"}:
            self.cell, self.text = found, []

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"} and self.cell is not None:
            self.cells.append((self.table, self.row, self.cell, "".join(self.text).strip()))
            self.cell = None
        elif tag == "table":
            self.table = ""


def page_cells(page: str) -> list[tuple[str, str, dict[str, str | None], str]]:
    parser = Cells()
    parser.feed(page)
    return parser.cells


def test_the_open_data_page_states_the_epsilon_the_budget_year_and_the_margins(
    dp_release_2024: Any,
) -> None:
    response = Client(HTTP_HOST="localhost").get(OPEN)
    assert response.status_code == 200
    page = text_of(response)
    assert "Chiffres bruités : ce que les tableaux exacts masquent" in page
    assert "ε = 1" in page
    assert "budget de confidentialité de l'année <span data-budget-year>2024</span>" in page
    assert "Ces chiffres ne sont donc pas exacts, volontairement." in page
    assert "95 fois sur 100, le chiffre exact est compris entre" in page
    assert "Laplace discret (bibliothèque OpenDP)" in page
    # Each level's share of ε and its margin, as the ledger line stores them.
    assert '<span data-level-epsilon="france">0,4</span>' in page
    assert '<span data-level-margin="france">45</span>' in page
    assert "la France bruitée n'est pas la somme des régions bruitées" in page
    # Paris's breakdowns have suppressed cells: its row is there, with noisy cells.
    assert 'data-code="75"' in page and "75 – Paris" in page


def test_no_noisy_figure_is_shown_beside_the_exact_figure_it_blurs(dp_release_2024: Any) -> None:
    """Parsed cell by cell: a noisy figure stands only where the exact release shows "s", in
    the place of that "s"; every other cell of those tables is the exact release's own; the
    France and région tables hold no noisy figure."""
    cells = page_cells(text_of(Client(HTTP_HOST="localhost").get(OPEN)))
    published = {
        (f.code, f.dimension, f.category): f
        for f in PublishedFigure.objects.filter(
            release=dp_release_2024,
            level="departement",
            indicator=x.PERSONS_IN_PATHWAY,
        )
    }
    noisy = {
        (f.code, f.dimension, f.category): f.value
        for f in DpFigure.objects.filter(release=dp_release_2024, level="departement")
    }
    seen_noisy = seen_exact = 0
    for table, code, attrs, text in cells:
        if "data-noisy" in attrs:
            assert table.startswith("dp-"), (table, code, text)
            key = (code, table.removeprefix("dp-"), attrs["data-category"] or "")
            assert published[key].disclosure == "suppressed", key
            assert text.startswith(f"≈\xa0{noisy[key]}\u202f±\u202f")
            seen_noisy += 1
        elif table.startswith("dp-") and attrs.get("data-category"):
            key = (code, table.removeprefix("dp-"), attrs["data-category"] or "")
            assert published[key].disclosure != "suppressed", key
            assert text == published[key].shown
            seen_exact += 1
        else:
            assert "±" not in text and "≈" not in text, (table, text)
    suppressed = sum(
        1
        for (code, dimension, _), f in published.items()
        if dimension in {d for _, d in BREAKDOWNS} and f.disclosure == "suppressed"
    )
    # The test reached what it claims: cells of both kinds, every suppressed cell replaced.
    assert seen_noisy == suppressed > 0 and seen_exact > 0


def test_the_noisy_csv_states_the_epsilon_and_the_margin_on_every_row(
    dp_release_2024: Any,
) -> None:
    response = Client(HTTP_HOST="localhost").get(DP_CSV)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "confidentialite-differentielle" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode()), delimiter=";"))
    assert len(rows) == DpFigure.objects.filter(release=dp_release_2024).count()
    assert {r["epsilon_publication"] for r in rows} == {"1.000"}
    assert {r["annee_budget"] for r in rows} == {"2024"}
    assert {r["diffusion"] for r in rows} == {"confidentialite_differentielle"}
    assert {r["mecanisme"] for r in rows} == {"discrete_laplace"}
    margins = {
        level["level"]: (level["half_width_95"], level["epsilon"])
        for level in PrivacySpend.objects.get().rules["levels"]
    }
    for row in rows:
        value, margin = int(row["valeur_bruitee"]), int(row["marge_95"])
        assert value >= 0
        assert (margin, float(row["epsilon_niveau"])) == margins[row["niveau"]]
        assert int(row["intervalle_95_bas"]) == max(0, value - margin)
        assert int(row["intervalle_95_haut"]) == value + margin
    [france] = [
        r for r in rows if r["niveau"] == "france" and r["indicateur"] == x.PERSONS_IN_PATHWAY
    ]
    assert france["marge_95"] == "45" and france["dimension"] == ""
    assert {r["niveau"] for r in rows if r["dimension"]} == {"departement"}


def test_the_open_data_costs_the_same_queries_whatever_the_number_of_noisy_cells(
    dp_release_2024: Any,
) -> None:
    client = Client(HTTP_HOST="localhost")
    client.get(OPEN)
    with CaptureQueriesContext(connection) as before:
        assert client.get(OPEN).status_code == 200
    spend = PrivacySpend.objects.get()
    DpFigure.objects.bulk_create(
        DpFigure(
            spend=spend,
            release=dp_release_2024,
            level="departement",
            code=code,
            indicator=x.PERSONS_IN_PATHWAY,
            dimension=x.DIMENSION_SEX,
            category="femme",
            value=3,
        )
        for code in ("01", "02", "03", "04")
    )
    with CaptureQueriesContext(connection) as after:
        assert client.get(OPEN).status_code == 200
        assert client.get(DP_CSV).status_code == 200
    assert len(after) <= 2 * len(before)
    with CaptureQueriesContext(connection) as again:
        assert client.get(OPEN).status_code == 200
    assert len(again) == len(before)


def test_the_banded_csv_holds_no_noisy_figure(dp_release_2024: Any) -> None:
    """The two publications never mix: the banded CSV has no noisy row nor ε column."""
    text = Client(HTTP_HOST="localhost").get("/donnees-ouvertes/publication.csv").content.decode()
    header = text.splitlines()[0]
    assert "epsilon" not in header and "confidentialite" not in text


def test_without_a_noisy_release_the_section_is_absent_and_its_csv_a_404(
    release_2024: Any,
) -> None:
    client = Client(HTTP_HOST="localhost")
    assert "Chiffres bruités" not in text_of(client.get(OPEN))
    assert client.get(DP_CSV).status_code == 404


def test_the_noisy_csv_is_not_served_on_a_departement_host(dp_release_2024: Any) -> None:
    assert Client(HTTP_HOST="31.localhost").get(DP_CSV).status_code == 404


def test_the_open_data_never_touches_a_departement_schema(
    dp_release_2024: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client(HTTP_HOST="localhost")
    with no_departement_schema(monkeypatch):
        assert client.get(OPEN).status_code == 200
        assert client.get(DP_CSV).status_code == 200


# The budget, for national roles.


@pytest.mark.parametrize("role", ["national_analyst", "national_operator"])
def test_the_dashboard_shows_the_budget_of_the_release_year(
    dp_release_2024: Any, role: str
) -> None:
    page = text_of(client_for(role, None).get("/statistiques/"))
    assert "2024 : ε total 2 (valeur par défaut) ;" not in page  # drawn on: a row now
    assert "2024 : ε total 2 ;" in page
    assert "dépensé <span data-spent>1</span>" in page
    assert "restant <span data-remaining>1</span>" in page


def test_the_budget_page_lists_the_years_and_the_ledger(dp_release_2024: Any) -> None:
    page = text_of(client_for("national_analyst", None).get(f"{BUDGET}?annee=2024"))
    assert "Registre 2024" in page
    assert "Dépensé (publié)" in page
    assert "Année 2024" in page and "Année du 01/01/2024" not in page
    assert f'<tr data-year="{timezone.localdate().year}">' in page
    assert "Fixer le budget" not in page  # the analyst reads, the operator sets
    # The ledger line states how its ε was split between the levels, with each level's margin.
    assert "France 0,4 (± 45) ; régions 0,2 (± 90) ; départements 0,4 (± 22)" in page


def test_the_operator_sets_a_budget_from_the_page(login: Any) -> None:
    client = login("national_operator", None)
    response = client.post(BUDGET_SET, {"annee": "2025", "epsilon": "3,5"}, follow=True)
    assert response.status_code == 200
    assert "Le budget de confidentialité 2025 est enregistré." in text_of(response)
    assert PrivacyBudget.objects.get(year=2025).epsilon_total == Decimal("3.5")
    assert AuditEvent.objects.filter(action="reporting.privacy_budget_set").exists()


@pytest.mark.parametrize(
    ("year", "epsilon", "message"),
    [
        ("2025", "-1", "ε doit être strictement positif."),
        ("2025", "NaN", "ε doit être un nombre décimal"),
        ("2025", "1e309", "ε doit être un nombre décimal"),
        ("2025", "²", "ε doit être un nombre décimal"),
        ("2025", "", "ε doit être un nombre décimal"),
        ("2025", "1" * 5000, "ε doit être un nombre décimal"),
        ("2025", "10.5", "ε ne peut dépasser 10"),
        ("99999999999999999999", "1", "Année hors de la plage"),
        ("deux mille", "1", "Année hors de la plage"),
        ("1990", "1", "Année hors de la plage"),
    ],
)
def test_a_hostile_budget_typed_on_the_page_is_refused_in_french(
    login: Any, year: str, epsilon: str, message: str
) -> None:
    client = login("national_operator", None)
    before = written()
    response = client.post(BUDGET_SET, {"annee": year, "epsilon": epsilon}, follow=True)
    assert response.status_code == 200
    assert message in text_of(response)
    assert written() == before


def test_the_analyst_cannot_set_a_budget(login: Any) -> None:
    before = written()
    response = login("national_analyst", None).post(BUDGET_SET, {"annee": "2025", "epsilon": "9"})
    assert response.status_code == 403
    assert written() == before


@pytest.mark.parametrize("role", ["coordinator", "prefet", "dpo"])
def test_departement_roles_get_no_budget_page(role: str) -> None:
    assert client_for(role, "31", on=None).get(BUDGET).status_code in {403, 404}
    assert client_for(role, "31", on="31").get(BUDGET).status_code == 404


def test_the_budget_page_costs_the_same_queries_whatever_the_ledger(
    dp_release_2024: Any,
) -> None:
    client = client_for("national_operator", None)
    url = f"{BUDGET}?annee=2024"
    client.get(url)
    with CaptureQueriesContext(connection) as one_line:
        assert client.get(url).status_code == 200
    spend = PrivacySpend.objects.get()
    for month in range(1, 9):
        release = Release.objects.create(
            period_kind="month",
            period_start=dt.date(2024, month, 1),
            period_end=dt.date(2024, month, 28),
            snapshot_on=dt.date(2024, month, 28),
            started_at=timezone.now(),
        )
        PrivacySpend.objects.create(
            budget=spend.budget,
            release=release,
            epsilon=Decimal("0.01"),
            status=SpendStatus.SPENT,
            requested_at=timezone.now(),
            requested_by_id=spend.requested_by_id,
        )
    with CaptureQueriesContext(connection) as nine_lines:
        assert client.get(url).status_code == 200
    assert len(nine_lines) == len(one_line)


# Asking for a noisy release on the dashboard.


def test_the_operator_asks_for_a_noisy_release_and_the_epsilon_is_reserved(
    login: Any, seeded: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tenants.statistics import tasks

    monkeypatch.setattr(tasks.extract_departement, "apply_async", lambda kwargs: None)
    client = login("national_operator", None)
    response = client.post("/statistiques/publier/", {"periode": "2024", "epsilon": "0,5"})
    assert response.status_code == 302
    spend = PrivacySpend.objects.get()
    assert (spend.epsilon, spend.status, spend.budget.year) == (Decimal("0.5"), "reserved", 2024)
    page = text_of(client.get("/statistiques/"))
    assert "réservé 0,5" in page and "restant <span data-remaining>1,5</span>" in page


@pytest.mark.parametrize(
    ("epsilon", "message"),
    [
        ("3", "Budget de confidentialité 2024 insuffisant : ε demandé 3, reste 2 sur 2."),
        ("-0.5", "ε doit être strictement positif."),
        ("inf", "ε doit être un nombre décimal"),
        ("0,0001", "ε s'écrit avec au plus trois décimales."),
    ],
)
def test_a_noisy_release_the_budget_cannot_pay_is_refused_and_nothing_starts(
    login: Any, seeded: dict[str, int], epsilon: str, message: str
) -> None:
    client = login("national_operator", None)
    before = written()
    response = client.post(
        "/statistiques/publier/", {"periode": "2024", "epsilon": epsilon}, follow=True
    )
    assert response.status_code == 200
    assert message in text_of(response)
    assert written() == before
