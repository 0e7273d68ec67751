"""The footer's mandatory pages: public on both hosts, linked from every page's footer."""

from __future__ import annotations

import pytest

from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

PAGES = {
    "/accessibilite/": "non conforme",
    "/mentions-legales/": "Directeur de la publication",
    "/donnees-personnelles/": "2 ans après le dernier contact",
    "/plan-du-site/": "Plan du site",
}


@pytest.mark.parametrize("code", [None, "31"])
@pytest.mark.parametrize(("path", "says"), PAGES.items())
def test_footer_pages_are_public_on_every_host(code: str | None, path: str, says: str) -> None:
    response = client_for(None, code).get(path)

    assert response.status_code == 200
    assert says in response.content.decode()


@pytest.mark.parametrize("code", [None, "31"])
def test_every_page_links_the_footer_pages_and_the_open_data(code: str | None) -> None:
    html = client_for(None, code).get("/connexion/").content.decode()

    for path in PAGES:
        assert f'href="{path}"' in html
    assert "/donnees-ouvertes/" in html


def test_personal_data_page_states_the_legal_basis_and_the_rights() -> None:
    html = client_for(None, "31").get("/donnees-personnelles/").content.decode()

    for says in ("loi n° 2016-444", "droit d'accès", "délégué à la protection des données"):
        assert says in html
    assert "de Haute-Garonne" in html


def _map(role: str | None, code: str | None) -> str:
    return client_for(role, code).get("/plan-du-site/").content.decode()


def test_site_map_lists_the_pages_of_the_persons_role_in_this_space() -> None:
    coordinator, worker = _map("coordinator", "31"), _map("association_worker", "31")

    assert 'href="/modele-de-parcours/"' in coordinator
    assert 'href="/personnes/nouvelle/"' in worker and "/personnes/nouvelle/" not in coordinator
    assert 'href="/journal/"' not in coordinator  # the DPO's
    assert 'href="/connexion/"' not in coordinator


def test_site_map_of_someone_not_signed_in_lists_only_open_pages() -> None:
    anonymous = _map(None, "31")

    assert 'href="/connexion/"' in anonymous and 'href="/accessibilite/"' in anonymous
    assert "/dossiers/" not in anonymous and "/espaces/" not in anonymous


def test_national_site_map_lists_the_console_pages() -> None:
    operator = _map("national_operator", None)

    assert 'href="/referentiel/"' in operator and 'href="/statistiques/"' in operator
    assert "/dossiers/" not in operator


def test_the_legal_notice_names_the_host_it_is_given(settings) -> None:  # type: ignore[no-untyped-def]
    import html

    settings.PARCOURS_HOSTING = "Ministère de l'Intérieur (DNUM), place Beauvau, 75008 Paris"
    page = html.unescape(client_for(None, "31").get("/mentions-legales/").content.decode())
    assert "Hébergeur : Ministère de l'Intérieur (DNUM), place Beauvau, 75008 Paris." in page

    settings.PARCOURS_HOSTING = ""
    page = html.unescape(client_for(None, None).get("/mentions-legales/").content.decode())
    assert "aucun hébergeur n'est déclaré" in page


def test_deploy_check_warns_when_no_host_is_named(settings) -> None:  # type: ignore[no-untyped-def]
    from parcours.accounts.checks import hosting_named_in_the_legal_notice

    settings.PARCOURS_HOSTING = ""
    assert [w.id for w in hosting_named_in_the_legal_notice()] == ["parcours.W002"]
    settings.PARCOURS_HOSTING = "DNUM, place Beauvau, 75008 Paris"
    assert hosting_named_in_the_legal_notice() == []
