"""The open-data page: the published release for everyone, without signing in."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]


def test_anyone_reads_the_published_release_without_signing_in(
    seeded: dict[str, int], release_2024: Any
) -> None:
    response = Client(HTTP_HOST="localhost").get("/donnees-ouvertes/")
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Personnes en parcours de sortie" in page
    # France is 39 + 148 + Bouches-du-Rhône's 1–5: an exact 191 would undo that band.
    assert sum(seeded.values()) == 191 and "188–192" in page
    assert "Occitanie" in page
    csv = Client(HTTP_HOST="localhost").get("/donnees-ouvertes/publication.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")


def test_the_open_data_page_shows_no_small_count_in_clear(
    seeded: dict[str, int], release_2024: Any
) -> None:
    """13 has 4 persons: below k, shown as its band nowhere as '4'."""
    import csv as csv_module
    import io

    text = Client(HTTP_HOST="localhost").get("/donnees-ouvertes/publication.csv").content.decode()
    rows = list(csv_module.reader(io.StringIO(text), delimiter=";"))
    # release, start, end, snapshot, level, code, indicator, label, dimension, category, shown,
    # value, disclosure
    [bouches] = [
        r for r in rows if r[4:7] == ["departement", "13", "persons_in_pathway"] and r[8] == ""
    ]
    assert (bouches[10], bouches[11]) == ("1–5", "")


def test_without_a_release_the_page_says_so() -> None:
    response = Client(HTTP_HOST="localhost").get("/donnees-ouvertes/")
    assert response.status_code == 200
    assert "Aucune statistique" in html.unescape(response.content.decode())


def test_it_is_not_served_on_a_departement_host() -> None:
    assert Client(HTTP_HOST="31.localhost").get("/donnees-ouvertes/").status_code == 404
