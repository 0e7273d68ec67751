"""The case-work pages: an association builds a file, the coordination and the préfet move it."""

from __future__ import annotations

import html
import re

import pytest
from django.utils import timezone

from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.casework.models import Dossier
from tests.tenants.casework.conftest import PDF, access_as, prepare
from tests.tenants.commission.factories import through_a_session


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def _ready_dossier() -> Dossier:
    connection.set_tenant(Tenant.objects.get(code="31"))
    dossier = prepare(access_as("association_worker", "31"))
    connection.set_schema_to_public()
    return dossier


def test_a_worker_creates_a_person_and_her_first_request(login, media) -> None:  # type: ignore[no-untyped-def]
    client = login("association_worker", "31")
    response = client.post(
        "/personnes/nouvelle/",
        {
            "last_name": "Doe",
            "first_name": "Jane",
            "birth_date": "1990-01-02",
            "nationality": "NGA",
            "children_count": "2",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    text = html.unescape(page.content.decode())
    assert page.status_code == 200
    assert re.search(r"PSP-31-\d{4}-\d{4}", text)
    assert "Jane Doe" in text
    assert "En préparation par l'association" in text


def test_the_person_form_explains_errors_and_keeps_what_was_typed(login, media) -> None:  # type: ignore[no-untyped-def]
    client = login("association_worker", "31")
    response = client.post(
        "/personnes/nouvelle/",
        {"last_name": "", "first_name": "Jane", "birth_date": "2099-01-01", "children_count": "-1"},
    )
    text = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "Indiquez le nom." in text
    assert "La date de naissance est dans le futur." in text
    assert 'value="Jane"' in text


def test_the_main_path_through_the_pages(login, media) -> None:  # type: ignore[no-untyped-def]
    dossier = _ready_dossier()
    url = f"/dossiers/{dossier.pk}/"
    worker, coordinator, prefet = (
        login("association_worker", "31"),
        login("coordinator", "31"),
        login("prefet", "31"),
    )
    today = timezone.localdate().isoformat()
    steps = [
        (worker, "submit", {}),
        (coordinator, "declare_complete", {}),
        (prefet, "authorise", {"authorise-start_on": today}),
    ]
    for client, name, data in steps:
        if name == "authorise":
            # Scheduling and the avis happen in a session, never on the file's page.
            page = coordinator.get(url).content.decode()
            assert 'data-transition="schedule"' not in page
            refused = coordinator.post(
                url, {"transition": "schedule", "schedule-session_on": today}
            )
            assert refused.status_code == 302  # "not available for you on this file"
            connection.set_tenant(Tenant.objects.get(code="31"))
            assert Dossier.objects.get(pk=dossier.pk).state == "complete"
            through_a_session(
                coordinator=access_as("coordinator", "31"),
                dossiers=[Dossier.objects.get(pk=dossier.pk)],
            )
            connection.set_schema_to_public()
        if name == "authorise":
            # The préfet reads the letter first; signing it is a second, explicit step.
            preview = client.post(url, {"transition": name, **data})
            assert preview.status_code == 200
            assert "Signer l'autorisation" in html.unescape(preview.content.decode())
            data = {**data, "confirm": "1"}
        response = client.post(url, {"transition": name, **data})
        assert response.status_code == 302, (name, response.content.decode()[:2000])
    page = html.unescape(prefet.get(url).content.decode())
    assert "Autorisé par le préfet" in page
    assert "Période 1" in page


def test_a_refused_transition_is_explained_and_nothing_moves(login, media) -> None:  # type: ignore[no-untyped-def]
    dossier = _ready_dossier()
    url = f"/dossiers/{dossier.pk}/"
    login("association_worker", "31").post(url, {"transition": "submit"})
    coordinator = login("coordinator", "31")
    coordinator.post(url, {"transition": "declare_complete"})
    response = coordinator.post(url, {"transition": "withdraw", "withdraw-comment": "non"})
    assert response.status_code == 400
    assert "Précisez la raison" in html.unescape(response.content.decode())
    connection.set_tenant(Tenant.objects.get(code="31"))
    assert Dossier.objects.get(pk=dossier.pk).state == "complete"


def test_an_association_never_opens_another_associations_file(login, media) -> None:  # type: ignore[no-untyped-def]
    dossier = _ready_dossier()
    # Association B's worker in 75 has no file here; the worker of 13 belongs to association A
    # but in another département: both get nothing, even by guessing the id.
    assert login("association_worker", "75", on="31").get(
        f"/dossiers/{dossier.pk}/"
    ).status_code in {403, 404}
    assert login("member", "31").get(f"/dossiers/{dossier.pk}/").status_code == 403


def test_pieces_are_served_only_through_the_permission_check(login, media) -> None:  # type: ignore[no-untyped-def]
    dossier = _ready_dossier()
    connection.set_tenant(Tenant.objects.get(code="31"))
    document = dossier.documents.first()
    connection.set_schema_to_public()
    response = login("coordinator", "31").get(f"/pieces/{document.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(PDF[:5])
    assert login("dpo", "31").get(f"/pieces/{document.pk}/").status_code == 403


def test_the_queue_costs_the_same_number_of_queries_for_1_or_4_files(
    login, media, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection as django_connection
    from django.test.utils import CaptureQueriesContext

    _ready_dossier()
    client = login("coordinator", "31")
    client.get("/dossiers/")
    with CaptureQueriesContext(django_connection) as one:
        assert client.get("/dossiers/").status_code == 200
    once = len(one)  # now: the next request empties the connection's log
    assert once <= 12
    for _ in range(3):
        _ready_dossier()
    client.get("/dossiers/")  # back on 31's schema, as before the first count
    with django_assert_num_queries(once) as four:
        html = client.get("/dossiers/").content.decode()
    assert html.count('href="/dossiers/') >= 4
    # The rows read what the list prints: no identity, no whole file (selectors.dossier_rows).
    listing = [
        q["sql"]
        for q in four.captured_queries
        if 'FROM "casework_dossier"' in q["sql"] and "COUNT(" not in q["sql"]
    ]
    assert listing
    for sql in listing:
        assert "identity_encrypted" not in sql
        assert '"casework_dossier"."extra"' not in sql
        assert '"workflows_workflowvariant"."definition"' not in sql
