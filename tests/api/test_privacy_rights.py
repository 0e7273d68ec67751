"""API of the person's rights: rectification and its history, access exports, the DPO's trail."""

from __future__ import annotations

from typing import Any

import pytest
from django.test.utils import CaptureQueriesContext

from parcours.db import connection
from tests.api.test_casework import API, error_of, in_31, plain_dossier, post_json
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_rectify_then_read_the_history() -> None:
    dossier = plain_dossier(last_name="Durand")
    url = f"{API}/persons/{dossier.person_id}/identity/"
    response = post_json(
        client_for("association_worker", "31"),
        url,
        {"changes": {"last_name": "Durand-Martin", "birth_date": "1990-01-02"}, "reason": "Acte"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["changed"] is True
    (revision,) = body["revisions"]
    assert {c["field"] for c in revision["changes"]} == {"last_name", "birth_date"}
    history = client_for("prefet", "31").get(url).json()
    assert history["revisions"][0]["reason"] == "Acte"


def test_an_invalid_rectification_is_a_400_with_its_field() -> None:
    dossier = plain_dossier()
    response = post_json(
        client_for("coordinator", "31"),
        f"{API}/persons/{dossier.person_id}/identity/",
        {"changes": {"nationality": "ZZZ"}, "reason": "Erreur"},
    )
    error = error_of(response, 400, "refused")
    assert "nationality" in str(error)


def test_the_prefet_rectifying_is_a_403() -> None:
    dossier = plain_dossier()
    response = post_json(
        client_for("prefet", "31"),
        f"{API}/persons/{dossier.person_id}/identity/",
        {"changes": {"last_name": "X"}, "reason": "r"},
    )
    error_of(response, 403, "permission_denied")


def test_the_coordination_asks_for_an_export_and_downloads_it(
    media: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tenants.privacy.tasks import build_access_export

    dossier = plain_dossier(last_name="Durand")
    client = client_for("coordinator", "31")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"{API}/persons/{dossier.person_id}/access-exports/")
    assert response.status_code == 202 and len(callbacks) == 1
    export = response.json()
    assert export["status"] == "pending" and export["downloadable"] is False
    error_of(client.get(f"{API}/access-exports/{export['id']}/export.json"), 400, "refused")
    in_31(lambda: build_access_export(export_id=export["id"]))
    detail = client.get(f"{API}/access-exports/{export['id']}/").json()
    assert detail["status"] == "ready" and detail["progress"] == 100 and detail["downloadable"]
    data = client.get(f"{API}/access-exports/{export['id']}/export.json")
    assert data.status_code == 200 and b"Durand" in b"".join(data.streaming_content)
    pdf = client.get(f"{API}/access-exports/{export['id']}/export.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    listed = client.get(f"{API}/access-exports/").json()
    assert [e["id"] for e in listed] == [export["id"]]


@pytest.mark.parametrize("role", ["prefet", "member", "dpo", "association_worker"])
def test_exports_are_refused_to_other_roles_with_a_403(role: str) -> None:
    dossier = plain_dossier()
    client = client_for(role, "31")
    error_of(
        client.post(f"{API}/persons/{dossier.person_id}/access-exports/"), 403, "permission_denied"
    )
    error_of(client.get(f"{API}/access-exports/"), 403, "permission_denied")


def test_the_dpo_filters_the_trail_and_sees_readers() -> None:
    dossier = plain_dossier(last_name="Durand")
    client_for("coordinator", "31").get(f"{API}/persons/{dossier.person_id}/")
    dpo = client_for("dpo", "31")
    page = dpo.get(
        f"{API}/audit/events/", {"person": dossier.person.pseudonym, "action": "person."}
    )
    assert page.status_code == 200
    body = page.json()
    assert body["count"] >= 2
    assert {e["action"] for e in body["results"]} >= {"person.read", "person.created"}
    assert b"Durand" not in page.content
    readers = dpo.get(f"{API}/persons/{dossier.person_id}/readers/").json()
    assert readers[0]["actor_account"] == "coordinator.31@test.parcours"
    csv = dpo.get(f"{API}/audit/events.csv", {"action": "person.read"})
    assert csv.status_code == 200 and csv.content.startswith("\ufeff".encode())


def test_a_bad_filter_is_a_400() -> None:
    response = client_for("dpo", "31").get(f"{API}/audit/events/", {"since": "2026-13-01"})
    error_of(response, 400, "invalid")


@pytest.mark.parametrize("role", ["prefet", "member", "coordinator", "association_worker"])
def test_the_trail_is_refused_to_other_roles_with_a_403(role: str) -> None:
    client = client_for(role, "31")
    error_of(client.get(f"{API}/audit/events/"), 403, "permission_denied")
    error_of(client.get(f"{API}/audit/events.csv"), 403, "permission_denied")


def test_a_page_of_the_trail_costs_the_same_queries_whatever_the_events() -> None:
    dossier = plain_dossier()
    coordinator = client_for("coordinator", "31")
    dpo = client_for("dpo", "31")
    dpo.get(f"{API}/audit/events/")
    with CaptureQueriesContext(connection) as few:
        assert dpo.get(f"{API}/audit/events/").status_code == 200
    for _ in range(10):
        coordinator.get(f"{API}/persons/{dossier.person_id}/")
    with CaptureQueriesContext(connection) as many:
        assert dpo.get(f"{API}/audit/events/").status_code == 200
    assert len(many) == len(few)
