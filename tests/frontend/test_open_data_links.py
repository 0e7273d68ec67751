"""The open data is reachable from every page's footer and from the sign-in page, without an
account, on the national host and from a département's host."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]


def _footer(html: str) -> str:
    return html[html.index('<footer class="fr-footer"') :]


def test_the_sign_in_page_and_its_footer_link_to_the_open_data() -> None:
    html = Client(HTTP_HOST="localhost").get("/connexion/").content.decode()
    callout = html[html.index('id="donnees-ouvertes"') :]
    assert 'href="/donnees-ouvertes/">Consulter les données ouvertes' in callout
    assert 'href="/donnees-ouvertes/">Données ouvertes</a>' in _footer(html)


def test_the_national_console_footer_links_to_the_open_data(login) -> None:
    html = login("national_analyst", None).get("/").content.decode()
    assert 'href="/donnees-ouvertes/">Données ouvertes</a>' in _footer(html)


def test_a_departement_host_links_to_the_open_data_of_the_national_host() -> None:
    """A département's host serves no open data (a 404 there): its links go to the national
    host."""
    html = Client(HTTP_HOST="31.localhost").get("/connexion/").content.decode()
    assert 'href="http://localhost/donnees-ouvertes/">Données ouvertes</a>' in _footer(html)
    assert 'href="http://localhost/donnees-ouvertes/">Consulter les données ouvertes' in html
    followed = Client(HTTP_HOST="localhost").get("/donnees-ouvertes/")
    assert followed.status_code == 200
