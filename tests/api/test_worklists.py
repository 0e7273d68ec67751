"""GET /api/v1/worklist/: one section per role the person holds here; and the file list's
default (the files under way)."""

from __future__ import annotations

import pytest

from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.casework.services import TransitionRequest, dossier_transition
from tests.tenants.casework.conftest import access_as, prepare

URL = "/api/v1/worklist/"


@pytest.fixture
def submitted(in31):  # type: ignore[no-untyped-def]
    worker = in31("association_worker")
    dossier = prepare(worker)
    dossier_transition(
        access=worker, dossier_id=dossier.pk, request=TransitionRequest(name="submit", data={})
    )
    connection.set_schema_to_public()
    return dossier


def test_the_coordination_gets_its_queues_with_counts(login, submitted) -> None:  # type: ignore[no-untyped-def]
    body = login("coordinator", "31").get(URL).json()

    queues = {q["key"]: q for q in body["coordination"]["queues"]}
    assert queues["to_check"]["count"] == 1
    assert queues["to_check"]["items"][0]["dossier"] == submitted.pk
    assert queues["to_check"]["items"][0]["reference"] == submitted.person.pseudonym
    assert body["prefet"] is None and body["member"] is None and body["association"] is None


@pytest.mark.parametrize(
    ("role", "section"),
    [
        ("prefet", "prefet"),
        ("member", "member"),
        ("association_worker", "association"),
        ("dpo", "audit_trail"),
    ],
)
def test_each_role_gets_its_own_section_and_never_the_coordinations(  # type: ignore[no-untyped-def]
    login, submitted, role, section
) -> None:
    body = login(role, "31").get(URL).json()

    assert body[section] is not None
    assert body["coordination"] is None


def test_the_association_section_lists_its_files_and_what_to_do(login, submitted) -> None:  # type: ignore[no-untyped-def]
    files = login("association_worker", "31").get(URL).json()["association"]["files"]

    assert [(f["departement"], f["dossier"], f["theirs"]) for f in files] == [
        ("31", submitted.pk, False)
    ]


def test_another_departements_roles_get_nothing(login, submitted) -> None:  # type: ignore[no-untyped-def]
    response = login("coordinator", "75", on="31").get(URL)

    assert response.status_code in {403, 404}
    assert "error" in response.json()


def test_the_file_list_leaves_the_closed_files_out_unless_asked(login, submitted) -> None:  # type: ignore[no-untyped-def]
    connection.set_tenant(Tenant.objects.get(code="31"))
    dossier_transition(
        access=access_as("association_worker", "31"),
        dossier_id=submitted.pk,
        request=TransitionRequest(name="withdraw", data={}, comment="La personne a déménagé."),
    )
    connection.set_schema_to_public()
    client = login("coordinator", "31")

    default = client.get("/api/v1/dossiers/").json()
    everything = client.get("/api/v1/dossiers/?closed=true").json()

    assert submitted.pk not in [d["id"] for d in default["results"]]
    assert submitted.pk in [d["id"] for d in everything["results"]]
