"""Pages of the person's rights: the person's page with its rectification and history, the
coordination's access exports, the DPO's audit trail; each page to its roles only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from parcours.db import connection
from tests.api.test_casework import IDENTITY, in_31, plain_dossier
from tests.conftest import client_for
from tests.frontend.test_forms_fuzz import HOSTILE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_the_coordination_rectifies_an_identity_and_sees_its_history() -> None:
    dossier = plain_dossier(last_name="Durand")
    client = client_for("coordinator", "31")
    url = f"/personnes/{dossier.person_id}/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="Durand"' in page.content.decode()
    response = client.post(
        url, {"last_name": "Durand-Martin", "first_name": "Jane", "reason": "Nom d'usage"}
    )
    assert response.status_code == 302
    landed = client.get(url).content.decode()
    assert "L&#x27;identité est rectifiée" in landed or "L'identité est rectifiée" in landed
    assert "« Durand » → « Durand-Martin »" in landed
    assert "Nom d&#x27;usage" in landed or "Nom d'usage" in landed
    # The préfet reads identities: the history, not the form.
    prefet = client_for("prefet", "31").get(url).content.decode()
    assert "Durand-Martin" in prefet and "« Durand »" in prefet
    assert 'name="reason"' not in prefet


def test_a_rectification_that_changes_nothing_says_so_and_writes_nothing() -> None:
    from tenants.privacy.models import IdentityRevision

    dossier = plain_dossier(last_name="Durand")
    client = client_for("association_worker", "31")
    response = client.post(
        f"/personnes/{dossier.person_id}/",
        {**IDENTITY, "last_name": "Durand", "reason": "Vérification"},
    )
    assert response.status_code == 400
    assert "Aucune information n&#x27;a changé" in response.content.decode()
    assert not in_31(lambda: IdentityRevision.objects.exists())


@pytest.mark.parametrize("role", ["member", "dpo"])
def test_roles_that_read_no_identity_do_not_open_the_persons_page(role: str) -> None:
    dossier = plain_dossier()
    assert client_for(role, "31").get(f"/personnes/{dossier.person_id}/").status_code == 403


def test_the_prefet_cannot_post_a_rectification() -> None:
    dossier = plain_dossier(last_name="Durand")
    client = client_for("prefet", "31")
    response = client.post(
        f"/personnes/{dossier.person_id}/",
        {"last_name": "Autre", "first_name": "Jane", "reason": "r"},
        follow=True,
    )
    assert "ne permet pas de rectifier" in response.content.decode()


def test_the_coordination_asks_for_an_export_and_downloads_it(
    media: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tenants.privacy.models import AccessExport
    from tenants.privacy.tasks import build_access_export

    dossier = plain_dossier(last_name="Durand")
    client = client_for("coordinator", "31")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/personnes/{dossier.person_id}/droit-acces/")
    assert response.status_code == 302 and len(callbacks) == 1
    export = in_31(lambda: AccessExport.objects.get(person_id=dossier.person_id))
    listing = client.get("/droit-acces/").content.decode()
    assert "En attente" in listing and dossier.person.pseudonym in listing
    assert client.get(f"/droit-acces/{export.pk}/export.pdf").status_code == 400  # not yet
    in_31(lambda: build_access_export(export_id=export.pk))
    assert "Prêt" in client.get("/droit-acces/").content.decode()
    pdf = client.get(f"/droit-acces/{export.pk}/export.pdf")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    data = client.get(f"/droit-acces/{export.pk}/export.json")
    assert b"Durand" in b"".join(data.streaming_content)


@pytest.mark.parametrize("role", ["prefet", "member", "dpo", "association_worker"])
def test_exports_are_the_coordinations_alone(role: str) -> None:
    dossier = plain_dossier()
    client = client_for(role, "31")
    assert client.get("/droit-acces/").status_code == 403
    assert client.post(f"/personnes/{dossier.person_id}/droit-acces/").status_code == 403


@pytest.mark.parametrize("role", ["prefet", "member", "coordinator", "association_worker"])
def test_the_trail_is_the_dpos_alone(role: str) -> None:
    client = client_for(role, "31")
    assert client.get("/journal/").status_code == 403
    assert client.get("/journal/export.csv").status_code == 403


def test_the_dpo_searches_the_trail_sees_who_read_a_file_and_no_identity() -> None:
    dossier = plain_dossier(last_name="Durand")
    client_for("coordinator", "31").get(f"/dossiers/{dossier.pk}/")
    dpo = client_for("dpo", "31")
    page = dpo.get("/journal/", {"personne": dossier.person.pseudonym})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Qui a lu ce dossier" in text and "coordinator.31@test.parcours" in text
    assert "dossier.read" in text
    assert "Durand" not in text and "Jane" not in text
    csv = dpo.get("/journal/export.csv", {"personne": dossier.person.pseudonym})
    assert csv.status_code == 200
    body = csv.content.decode("utf-8")
    assert body.startswith("\ufeffid;date;compte") and "\r\n" in body
    assert "dossier.read" in body and "Durand" not in body


def test_the_dpo_sees_the_trail_in_the_navigation() -> None:
    assert 'href="/journal/"' in client_for("dpo", "31").get("/").content.decode()
    assert 'href="/droit-acces/"' in client_for("coordinator", "31").get("/").content.decode()


def test_an_invalid_search_is_400_in_french() -> None:
    response = client_for("dpo", "31").get("/journal/", {"du": "2026-02-30", "au": "x"})
    assert response.status_code == 400
    assert "Date invalide." in response.content.decode()


def test_a_page_of_the_trail_costs_the_same_queries_whatever_the_events() -> None:
    dossier = plain_dossier()
    coordinator = client_for("coordinator", "31")
    dpo = client_for("dpo", "31")
    coordinator.get(f"/dossiers/{dossier.pk}/")
    dpo.get("/journal/")  # the first request of a client loads what it caches
    with CaptureQueriesContext(connection) as few:
        assert dpo.get("/journal/").status_code == 200
    for _ in range(10):
        coordinator.get(f"/dossiers/{dossier.pk}/")
    with CaptureQueriesContext(connection) as many:
        assert dpo.get("/journal/").status_code == 200
    assert len(many) == len(few)


@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    values=st.dictionaries(
        st.sampled_from(["qui", "evenement", "du", "au", "personne", "texte", "lectures", "page"]),
        HOSTILE,
    )
)
def test_the_trail_search_answers_any_input_in_french(values: dict[str, str]) -> None:
    for url in ("/journal/", "/journal/export.csv"):
        response = client_for("dpo", "31").get(url, values)
        assert response.status_code in {200, 400}, (values, response.status_code)
        if response["Content-Type"].startswith("text/html"):
            assert 'lang="fr"' in response.content.decode()
