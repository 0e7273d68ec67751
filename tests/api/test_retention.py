"""Retention on the API: the DPO's dry run, run and progress, legal holds, archived files read
with a reason; an anonymised person is found nowhere the follow-up's roles look."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from parcours.audit.models import AuditEvent
from tenants.casework.models import Lifecycle, Person
from tenants.retention.models import LegalHold, Sweep
from tenants.retention.services import sweep_report_build, sweep_run_all
from tests.api.test_casework import API, error_of, in_31, post_json, ready_dossier
from tests.conftest import client_for
from tests.tenants.casework.conftest import access_as
from tests.tenants.retention.conftest import forgotten_person, two_years_ahead

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def _forgotten() -> Person:
    return in_31(lambda: forgotten_person(access_as("association_worker", "31")))


def test_the_dpo_asks_for_a_dry_run_reads_it_and_runs_it_with_its_progress(media: Any) -> None:
    person = _forgotten()
    dpo = client_for("dpo", "31")
    started = post_json(dpo, f"{API}/retention/sweeps/", {})
    assert started.status_code == 202 and started.json()["status"] == "preparing"
    sweep_id = started.json()["id"]
    in_31(lambda: sweep_report_build(sweep_id=sweep_id))  # what the task does
    report = dpo.get(f"{API}/retention/sweeps/{sweep_id}/").json()
    assert report["status"] == "reported" and report["total"] == 1
    [row] = report["rows"]
    assert row["pseudonym"] == person.pseudonym and row["outcome"] == "anonymise"
    assert "Oubliée" not in str(report)
    confirmed = post_json(dpo, f"{API}/retention/sweeps/{sweep_id}/confirm/", {})
    assert confirmed.status_code == 202 and confirmed.json()["status"] == "running"
    again = post_json(dpo, f"{API}/retention/sweeps/{sweep_id}/confirm/", {})
    error_of(again, 409, "conflict")
    in_31(lambda: sweep_run_all(sweep_id=sweep_id))
    done = dpo.get(f"{API}/retention/sweeps/").json()[0]
    assert done["status"] == "done" and done["progress_percent"] == 100


def test_the_dpo_holds_and_lifts_and_reads_an_archived_file_with_a_reason(media: Any) -> None:
    person = _forgotten()
    dpo = client_for("dpo", "31")
    held = post_json(
        dpo,
        f"{API}/retention/holds/",
        {"pseudonym": person.pseudonym, "reason": "Recours contentieux en cours."},
    )
    assert held.status_code == 201, held.content
    refused = post_json(
        dpo, f"{API}/retention/holds/", {"pseudonym": person.pseudonym, "reason": "court"}
    )
    error_of(refused, 400, "invalid")
    unknown = post_json(
        dpo, f"{API}/retention/holds/", {"pseudonym": "PSP-00-0000-0000", "reason": "Motif long."}
    )
    error_of(unknown, 404, "not_found")

    def archive() -> None:
        sweep = Sweep.objects.create(today=timezone.localdate())
        sweep_report_build(sweep_id=sweep.pk)
        Sweep.objects.filter(pk=sweep.pk).update(status="running")
        sweep_run_all(sweep_id=sweep.pk)

    in_31(archive)
    assert in_31(lambda: Person.objects.get(pk=person.pk).lifecycle) == Lifecycle.ARCHIVED
    assert [p["pseudonym"] for p in dpo.get(f"{API}/retention/archives/").json()] == [
        person.pseudonym
    ]
    no_reason = post_json(dpo, f"{API}/retention/archives/{person.pk}/read/", {"reason": ""})
    error_of(no_reason, 400, "invalid")
    read = post_json(
        dpo, f"{API}/retention/archives/{person.pk}/read/", {"reason": "Demande du juge."}
    )
    assert read.status_code == 200 and read.json()["identity"]["last_name"] == "Oubliée"
    assert in_31(
        lambda: (
            AuditEvent.objects.filter(action="person.archive_read", reason="Demande du juge.")
            .values_list("object_id", flat=True)
            .get()
        )
    ) == str(person.pk)
    hold_id = held.json()["id"]
    lifted = post_json(
        dpo, f"{API}/retention/holds/{hold_id}/lift/", {"reason": "Jugement définitif rendu."}
    )
    assert lifted.status_code == 200 and lifted.json()["standing"] is False


ROUTES = [
    ("get", "/retention/sweeps/"),
    ("post", "/retention/sweeps/"),
    ("get", "/retention/holds/"),
    ("post", "/retention/holds/"),
    ("get", "/retention/archives/"),
]


@pytest.mark.parametrize("role", ["coordinator", "prefet", "association_worker", "member"])
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_retention_is_the_dpos_alone_other_roles_get_a_403_and_nothing_is_written(
    media: Any, role: str, method: str, path: str
) -> None:
    person = _forgotten()
    client = client_for(role, "31")
    body = {"pseudonym": person.pseudonym, "reason": "Une raison suffisante."}
    response = post_json(client, API + path, body) if method == "post" else client.get(API + path)
    error_of(response, 403, "permission_denied")
    assert not in_31(lambda: Sweep.objects.exists() or LegalHold.objects.exists())


def test_an_anonymised_person_is_found_nowhere_on_the_api(media: Any) -> None:
    dossier = ready_dossier()
    person_id = dossier.person_id
    document_id = in_31(lambda: dossier.documents.values_list("pk", flat=True).first())
    coordinator, worker = client_for("coordinator", "31"), client_for("association_worker", "31")
    # Reached: before the sweep, the file, the person and the piece are there.
    assert "Testeuse" in coordinator.get(f"{API}/persons/{person_id}/").content.decode()
    assert worker.get(f"{API}/documents/{document_id}/").status_code == 200

    def sweep() -> None:
        created = Sweep.objects.create(today=two_years_ahead())
        sweep_report_build(sweep_id=created.pk)
        Sweep.objects.filter(pk=created.pk).update(status="running")
        sweep_run_all(sweep_id=created.pk)

    in_31(sweep)
    assert in_31(lambda: Person.objects.get(pk=person_id).lifecycle) == Lifecycle.ANONYMISED
    for client in (coordinator, worker, client_for("prefet", "31")):
        for url in (
            f"{API}/persons/",
            f"{API}/dossiers/",
        ):
            text = client.get(url).content.decode()
            assert "Testeuse" not in text and f'"id":{person_id},' not in text.replace(" ", "")
        assert client.get(f"{API}/persons/{person_id}/").status_code == 404
        assert client.get(f"{API}/dossiers/{dossier.pk}/").status_code == 404
        assert client.get(f"{API}/documents/{document_id}/").status_code == 404
    dpo = client_for("dpo", "31")
    read = post_json(
        dpo, f"{API}/retention/archives/{person_id}/read/", {"reason": "Contrôle de la CNIL."}
    )
    assert read.status_code == 404  # anonymised is not archived: nothing to read
