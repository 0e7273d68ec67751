"""api/views/casework.py: persons, files, their transitions and pieces, through the API of 31.

A first request goes from the association to the préfet's authorisation; every refusal answers in
the one error format (api/errors.py); nobody reaches a file outside their scope, not even by its id.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection as django_connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from parcours.audit.models import AuditEvent
from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.casework.models import Document, Dossier, Person
from tenants.casework.services import (
    TransitionRequest,
    dossier_create,
    dossier_transition,
    person_create,
)
from tests.conftest import client_for
from tests.tenants.casework.conftest import PDF, access_as, prepare
from tests.tenants.casework.test_rights import association_b_worker_in_31
from tests.tenants.commission.factories import through_a_session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

API = "/api/v1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
IDENTITY = {
    "last_name": "Doe",
    "first_name": "Jane",
    "birth_date": "1992-03-01",
    "nationality": "NGA",
}
Login = Callable[..., Client]


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def post_json(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    """The documented error body, checked for its shape; returns it for further assertions."""
    assert response.status_code == status, response.content[:500]
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["status"] == status
    assert error["code"] == code
    assert error["message"]
    assert error["request_id"]
    return error


def in_31(build: Callable[[], Any]) -> Any:
    """Run `build` inside Haute-Garonne's schema (as a service would), then leave it."""
    connection.set_tenant(Tenant.objects.get(code="31"))
    try:
        return build()
    finally:
        connection.set_schema_to_public()


def ready_dossier() -> Dossier:
    """A file of association A with everything needed to be submitted."""
    return in_31(lambda: prepare(access_as("association_worker", "31")))


def plain_dossier(last_name: str = "Doe") -> Dossier:
    """A draft first request of association A (no evaluation, no piece)."""

    def build() -> Dossier:
        worker = access_as("association_worker", "31")
        person = person_create(
            access=worker,
            identity={**IDENTITY, "last_name": last_name},
            children_count=0,
            languages=["fr"],
        )
        return dossier_create(access=worker, person_id=person.pk, kind="first_request")

    return in_31(build)


def fire(dossier: Dossier, role: str, name: str, **data: Any) -> Dossier:
    return in_31(
        lambda: dossier_transition(
            access=access_as(role, "31"),
            dossier_id=dossier.pk,
            request=TransitionRequest(name=name, data=data),
        )
    )


def transition_names(client: Client, dossier_id: int) -> set[str]:
    response = client.get(f"{API}/dossiers/{dossier_id}/")
    assert response.status_code == 200
    return {t["name"] for t in response.json()["transitions"]}


# --- The whole first request, through the API -----------------------------------------------


def test_a_first_request_goes_from_the_association_to_the_prefets_authorisation(
    login: Login, media
) -> None:  # type: ignore[no-untyped-def]
    worker, coordinator, prefet = (
        login("association_worker", "31"),
        login("coordinator", "31"),
        login("prefet", "31"),
    )
    today = timezone.localdate()

    response = post_json(
        worker,
        f"{API}/persons/",
        {"identity": IDENTITY, "children_count": 2, "languages": ["fr", "en"]},
    )
    assert response.status_code == 201, response.content
    person = response.json()
    assert re.fullmatch(rf"PSP-31-{today.year}-\d{{4}}", person["pseudonym"])
    assert person["association"] == "Association A"
    assert "identity" not in person  # a list row or a creation answer never carries names

    response = post_json(
        worker, f"{API}/dossiers/", {"person": person["id"], "kind": "first_request"}
    )
    assert response.status_code == 201, response.content
    dossier = response.json()
    assert (dossier["state"], dossier["number"], dossier["pseudonym"]) == (
        "draft",
        1,
        person["pseudonym"],
    )
    url = f"{API}/dossiers/{dossier['id']}"

    for domain in ("sante", "social", "professionnel"):
        response = post_json(
            worker,
            f"{url}/evaluations/",
            {
                "domain": domain,
                "items": [{"code": "suivi", "label": "Suivi", "need": True}],
                "notes": "Notes confidentielles",
                "evaluated_on": (today - dt.timedelta(days=1)).isoformat(),
                "sign_off": True,
            },
        )
        assert response.status_code == 200, (domain, response.content)
    response = post_json(
        worker,
        f"{url}/project/",
        {
            "goals": {"logement": ["Accéder à un logement social"]},
            "commitments": "Suivre les démarches",
            "signed_on": today.isoformat(),
        },
    )
    assert response.status_code == 200, response.content
    response = post_json(
        worker,
        f"{url}/association-avis/",
        {"avis": "favourable", "motivation": "Engagement réel et projet solide."},
    )
    assert response.status_code == 200, response.content
    assert response.json()["association_avis"] == "favourable"

    definition = worker.get(f"{API}/workflow/").json()["definition"]
    required = [d["code"] for d in definition["documents"] if "first_request" in d["kinds"]]
    assert required  # the law asks for pieces: the loop below must upload some
    for code in required:
        response = worker.post(
            f"{url}/documents/",
            {
                "doc_type": code,
                "file": SimpleUploadedFile(f"{code}.pdf", PDF, content_type="application/pdf"),
            },
        )
        assert response.status_code == 201, (code, response.content)
        assert response.json()["content_type"] == "application/pdf"
        assert response.json()["size"] == len(PDF)

    # Only what the caller may do from here is offered.
    assert transition_names(worker, dossier["id"]) == {"submit", "withdraw"}
    assert transition_names(coordinator, dossier["id"]) == {"withdraw"}
    assert transition_names(prefet, dossier["id"]) == set()

    steps = [
        (worker, "submit", {}, "submitted"),
        (coordinator, "declare_complete", {}, "complete"),
        (prefet, "authorise", {"start_on": today.isoformat()}, "authorised"),
    ]
    for client, name, data, state in steps:
        if name == "authorise":
            # The commission's steps are not fired on the file: it is scheduled onto a session
            # and its avis comes from that session's vote (tests/tenants/commission).
            for direct in ("schedule", "record_commission_avis"):
                refused = post_json(coordinator, f"{url}/transitions/{direct}/", {"data": {}})
                assert refused.status_code == 400, refused.content
            in_31(
                lambda: through_a_session(
                    coordinator=access_as("coordinator", "31"),
                    dossiers=[Dossier.objects.get(pk=dossier["id"])],
                )
            )
            assert transition_names(prefet, dossier["id"]) == {"authorise", "refuse"}
            assert transition_names(coordinator, dossier["id"]) == set()
            assert transition_names(worker, dossier["id"]) == set()
        response = post_json(client, f"{url}/transitions/{name}/", {"data": data})
        assert response.status_code == 200, (name, response.content)
        assert response.json()["state"] == state
    steps[2:2] = [
        (coordinator, "schedule", {}, "scheduled"),
        (coordinator, "record_commission_avis", {}, "avis_given"),
    ]

    detail = prefet.get(f"{url}/").json()
    assert detail["state"] == "authorised"
    assert detail["state_label"] == "Autorisé par le préfet"
    assert [(e["transition"], e["to_state"]) for e in detail["timeline"]] == [
        (name, state) for _, name, _, state in steps
    ]
    assert [e["actor_role"] for e in detail["timeline"]] == [
        "association_worker",
        "coordinator",
        "coordinator",
        "coordinator",
        "prefet",
    ]
    assert detail["periods"] == [
        {
            "number": 1,
            "starts_on": today.isoformat(),
            "ends_on": (today + relativedelta(months=6) - dt.timedelta(days=1)).isoformat(),
            "ended_early_on": None,
        }
    ]
    assert detail["decision"] == "authorised"
    assert (detail["commission_votes_for"], detail["commission_votes_against"]) == (3, 0)
    assert sorted(d["doc_type"] for d in detail["documents"]) == sorted(required)
    assert detail["transitions"] == []  # a final state: nobody can do anything more


# --- Refusals, in the documented error format ----------------------------------------------


def test_a_transition_from_the_wrong_state_is_refused_with_the_reason(login: Login, media) -> None:  # type: ignore[no-untyped-def]
    dossier = ready_dossier()
    response = post_json(
        login("prefet", "31"),
        f"{API}/dossiers/{dossier.pk}/transitions/authorise/",
        {"data": {"start_on": timezone.localdate().isoformat()}},
    )
    error = error_of(response, 400, "refused")
    assert "n'est pas possible" in error["fields"]["non_field_errors"][0]
    assert "En préparation par l'association" in error["fields"]["non_field_errors"][0]
    assert in_31(lambda: Dossier.objects.get(pk=dossier.pk).state) == "draft"


def test_a_transition_for_another_role_is_refused_with_the_reason(login: Login, media) -> None:  # type: ignore[no-untyped-def]
    dossier = ready_dossier()
    response = post_json(
        login("coordinator", "31"), f"{API}/dossiers/{dossier.pk}/transitions/submit/", {}
    )
    error = error_of(response, 403, "permission_denied")
    assert "réservé" in error["message"]
    assert in_31(lambda: Dossier.objects.get(pk=dossier.pk).state) == "draft"


def test_a_stale_expected_state_is_a_conflict_and_nothing_moves(login: Login, media) -> None:  # type: ignore[no-untyped-def]
    dossier = ready_dossier()
    response = post_json(
        login("association_worker", "31"),
        f"{API}/dossiers/{dossier.pk}/transitions/submit/",
        {"expected_state": "incomplete"},
    )
    error = error_of(response, 409, "conflict")
    assert "a changé entre-temps" in error["message"]
    assert in_31(lambda: Dossier.objects.get(pk=dossier.pk).state) == "draft"


def test_the_expected_state_when_it_matches_lets_the_transition_through(
    login: Login, media
) -> None:  # type: ignore[no-untyped-def]
    dossier = ready_dossier()
    response = post_json(
        login("association_worker", "31"),
        f"{API}/dossiers/{dossier.pk}/transitions/submit/",
        {"expected_state": "draft"},
    )
    assert response.status_code == 200
    assert response.json()["state"] == "submitted"


def test_an_unknown_transition_is_refused(login: Login, media) -> None:  # type: ignore[no-untyped-def]
    dossier = ready_dossier()
    response = post_json(
        login("coordinator", "31"), f"{API}/dossiers/{dossier.pk}/transitions/teleport/", {}
    )
    error = error_of(response, 400, "refused")
    assert error["fields"]["non_field_errors"] == ["Action inconnue pour ce dossier : teleport."]


def test_a_guard_that_does_not_hold_says_what_is_missing(login: Login, media) -> None:  # type: ignore[no-untyped-def]
    dossier = plain_dossier()  # nothing evaluated, signed or uploaded yet
    response = post_json(
        login("association_worker", "31"), f"{API}/dossiers/{dossier.pk}/transitions/submit/", {}
    )
    reasons = error_of(response, 400, "refused")["fields"]["non_field_errors"]
    assert any(r.startswith("L'évaluation des besoins n'est pas signée") for r in reasons)
    assert any(r.startswith("Pièces manquantes") for r in reasons)
    assert "L'avis motivé de l'association manque." in reasons


def test_a_form_error_points_at_its_field(login: Login, media) -> None:  # type: ignore[no-untyped-def]
    dossier = ready_dossier()
    fire(dossier, "association_worker", "submit")
    fire(dossier, "coordinator", "declare_complete")
    response = post_json(
        login("coordinator", "31"),
        f"{API}/dossiers/{dossier.pk}/transitions/withdraw/",
        {"comment": "non"},
    )
    error = error_of(response, 400, "refused")
    assert error["fields"]["comment"] == ["Précisez la raison (5 caractères au moins)."]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("notes.txt", b"plain text, not a piece"),
        ("photo.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00"),
        ("disguised.pdf", b"MZ\x90\x00\x03\x00\x00\x00 an executable named .pdf"),
    ],
    ids=["text", "gif", "executable-named-pdf"],
)
def test_a_piece_that_is_not_a_pdf_png_or_jpeg_is_refused(
    login: Login, media, name: str, data: bytes
) -> None:  # type: ignore[no-untyped-def]
    dossier = plain_dossier()
    response = login("association_worker", "31").post(
        f"{API}/dossiers/{dossier.pk}/documents/",
        {
            "doc_type": "identity",
            "file": SimpleUploadedFile(name, data, content_type="application/pdf"),
        },
    )
    error = error_of(response, 400, "refused")
    assert error["fields"]["file"] == ["Seuls les fichiers PDF, PNG et JPEG sont acceptés."]
    assert in_31(lambda: Document.objects.filter(dossier_id=dossier.pk).count()) == 0
    assert not any(media.rglob("*.*"))  # no file left on disk either


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")],
    ids=["pdf", "png", "jpeg"],
)
def test_a_piece_is_stored_with_its_sniffed_type(
    login: Login, media, data: bytes, content_type: str
) -> None:  # type: ignore[no-untyped-def]
    dossier = plain_dossier()
    response = login("association_worker", "31").post(
        f"{API}/dossiers/{dossier.pk}/documents/",
        {
            "doc_type": "identity",
            "file": SimpleUploadedFile("scan.bin", data, content_type="text/plain"),
        },
    )
    assert response.status_code == 201
    assert response.json()["content_type"] == content_type


def test_a_request_the_serializer_rejects_is_invalid_with_its_fields(login: Login) -> None:
    response = post_json(
        login("association_worker", "31"), f"{API}/persons/", {"identity": {"first_name": ""}}
    )
    error = error_of(response, 400, "invalid")
    assert "identity" in error["fields"]


def test_a_sex_outside_the_list_is_refused_on_its_field(login: Login) -> None:
    response = post_json(
        login("association_worker", "31"),
        f"{API}/persons/",
        {"identity": {"first_name": "A", "last_name": "B", "sex": "Z"}},
    )
    error = error_of(response, 400, "invalid")
    assert "sex" in error["fields"]["identity"]


# --- Scope: another association, another département, other roles --------------------------


def _get_dossier(client: Client, ids: dict[str, int]) -> Any:
    return client.get(f"{API}/dossiers/{ids['dossier']}/")


def _submit(client: Client, ids: dict[str, int]) -> Any:
    return post_json(client, f"{API}/dossiers/{ids['dossier']}/transitions/submit/", {})


def _get_document(client: Client, ids: dict[str, int]) -> Any:
    return client.get(f"{API}/documents/{ids['document']}/")


def _get_person(client: Client, ids: dict[str, int]) -> Any:
    return client.get(f"{API}/persons/{ids['person']}/")


def _upload(client: Client, ids: dict[str, int]) -> Any:
    return client.post(
        f"{API}/dossiers/{ids['dossier']}/documents/",
        {"doc_type": "identity", "file": SimpleUploadedFile("x.pdf", PDF)},
    )


OUT_OF_SCOPE = {
    "get-dossier": _get_dossier,
    "submit": _submit,
    "get-document": _get_document,
    "get-person": _get_person,
}
OUT_OF_SCOPE_FOR_A_WORKER = {**OUT_OF_SCOPE, "upload": _upload}


@pytest.fixture
def files_of_association_a(media) -> dict[str, int]:  # type: ignore[no-untyped-def]
    dossier = ready_dossier()
    document = in_31(lambda: dossier.documents.first())
    return {"dossier": dossier.pk, "document": document.pk, "person": dossier.person_id}


@pytest.mark.parametrize(
    "request_", OUT_OF_SCOPE_FOR_A_WORKER.values(), ids=list(OUT_OF_SCOPE_FOR_A_WORKER)
)
def test_a_worker_of_another_association_finds_nothing_even_by_id(
    login: Login, files_of_association_a: dict[str, int], request_: Callable[..., Any]
) -> None:
    association_b_worker_in_31()
    documents = in_31(lambda: Document.objects.count())

    response = request_(client_for("association_worker_b", "31"), files_of_association_a)

    error_of(response, 404, "not_found")
    dossier = in_31(lambda: Dossier.objects.get(pk=files_of_association_a["dossier"]))
    assert dossier.state == "draft"
    assert in_31(lambda: Document.objects.count()) == documents


def test_a_worker_of_another_association_lists_none_of_its_persons_or_files(
    login: Login, files_of_association_a: dict[str, int]
) -> None:
    association_b_worker_in_31()
    client = client_for("association_worker_b", "31")
    assert client.get(f"{API}/dossiers/").json()["count"] == 0
    assert client.get(f"{API}/persons/").json()["count"] == 0


@pytest.mark.parametrize("request_", OUT_OF_SCOPE.values(), ids=list(OUT_OF_SCOPE))
def test_another_departements_coordinator_finds_nothing_with_the_same_ids(
    login: Login, files_of_association_a: dict[str, int], request_: Callable[..., Any]
) -> None:
    response = request_(login("coordinator", "75"), files_of_association_a)
    error_of(response, 404, "not_found")


@pytest.mark.parametrize("role", ["member", "dpo"])
@pytest.mark.parametrize(
    "path", ["/persons/", "/dossiers/", "/persons/1/", "/dossiers/1/", "/documents/1/"]
)
def test_commission_members_and_the_dpo_are_refused_case_data(
    login: Login, role: str, path: str
) -> None:
    error_of(login(role, "31").get(f"{API}{path}"), 403, "permission_denied")


@pytest.mark.parametrize("role", ["member", "dpo"])
def test_commission_members_and_the_dpo_create_nothing(login: Login, role: str) -> None:
    client = login(role, "31")
    error_of(post_json(client, f"{API}/persons/", {"identity": IDENTITY}), 403, "permission_denied")
    error_of(
        post_json(client, f"{API}/dossiers/", {"person": 1, "kind": "first_request"}),
        403,
        "permission_denied",
    )


@pytest.mark.parametrize("role", ["coordinator", "prefet", "association_worker"])
def test_a_piece_is_downloaded_through_the_permission_check_and_audited(
    login: Login, files_of_association_a: dict[str, int], role: str
) -> None:
    response = login(role, "31").get(f"{API}/documents/{files_of_association_a['document']}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF
    with schema_context("dep_31"):
        assert AuditEvent.objects.filter(
            action="document.read", object_id=str(files_of_association_a["document"])
        ).exists()


# --- Reading a person: identity for the roles that need it, always audited -----------------


@pytest.mark.parametrize("role", ["coordinator", "prefet", "association_worker"])
def test_reading_a_person_gives_the_identity_and_is_audited(login: Login, media, role: str) -> None:  # type: ignore[no-untyped-def]
    dossier = plain_dossier(last_name="Doe")
    client = login(role, "31")
    reader = access_as(role, "31").user_id
    with schema_context("dep_31"):
        before = AuditEvent.objects.filter(action="person.read").count()

    response = client.get(f"{API}/persons/{dossier.person_id}/")

    assert response.status_code == 200
    body = response.json()
    assert body["identity"]["last_name"] == "Doe"
    assert body["identity"]["first_name"] == "Jane"
    assert body["identity"]["birth_date"] == "1992-03-01"
    with schema_context("dep_31"):
        reads = AuditEvent.objects.filter(action="person.read")
        assert reads.count() == before + 1
        event = reads.latest("id")
        assert (event.actor_id, event.object_type, event.object_id) == (
            reader,
            "person",
            str(dossier.person_id),
        )
        assert "Doe" not in str(event.data)


# --- Lists: bounded cost, filters ------------------------------------------------------------


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(django_connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("path", ["/dossiers/", "/persons/"])
@pytest.mark.parametrize("role", ["coordinator", "association_worker"])
def test_a_list_costs_the_same_number_of_queries_for_1_or_10_files(
    login: Login, media, django_assert_max_num_queries, path: str, role: str
) -> None:  # type: ignore[no-untyped-def]
    client = login(role, "31")
    url = f"{API}{path}"
    plain_dossier()
    # Each count follows a first request: creating files here moved the connection's schema,
    # and the first request after that sets it back once (one query that is not the list's).
    client.get(url)
    with_one = _count_queries(client, url)
    for number in range(9):
        plain_dossier(last_name=f"Doe{number}")
    client.get(url)

    with django_assert_max_num_queries(with_one):
        response = client.get(url)

    assert response.json()["count"] == 10


def test_files_are_filtered_by_state_and_by_pseudonym(login: Login, media) -> None:  # type: ignore[no-untyped-def]
    draft = plain_dossier()
    submitted = ready_dossier()
    fire(submitted, "association_worker", "submit")
    client = login("coordinator", "31")
    pseudonym = in_31(lambda: Person.objects.get(pk=draft.person_id).pseudonym)

    def ids(query: str) -> set[int]:
        response = client.get(f"{API}/dossiers/{query}")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids("") == {draft.pk, submitted.pk}
    assert ids("?state=submitted") == {submitted.pk}
    assert ids("?state=draft") == {draft.pk}
    assert ids("?state=authorised") == set()
    assert ids(f"?q={pseudonym}") == {draft.pk}
    assert ids(f"?q={pseudonym.lower()}") == {draft.pk}  # case does not matter
    assert ids(f"?q={pseudonym}&state=submitted") == set()
    assert ids("?kind=first_request") == {draft.pk, submitted.pk}
    assert ids("?kind=renewal") == set()


def test_persons_are_filtered_by_pseudonym(login: Login, media) -> None:  # type: ignore[no-untyped-def]
    first, second = plain_dossier("Doe"), plain_dossier("Roe")
    pseudonym = in_31(lambda: Person.objects.get(pk=second.person_id).pseudonym)
    client = login("association_worker", "31")

    everyone = client.get(f"{API}/persons/").json()
    found = client.get(f"{API}/persons/", {"q": pseudonym}).json()

    assert {p["id"] for p in everyone["results"]} == {first.person_id, second.person_id}
    assert [p["pseudonym"] for p in found["results"]] == [pseudonym]
    assert all("identity" not in p for p in everyone["results"])
