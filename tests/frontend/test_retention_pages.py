"""The DPO's retention pages: the link in her navigation, reports and their progress, holds,
archived files read with a reason; every other role is refused them."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from parcours.audit.models import AuditEvent
from tenants.casework.models import Lifecycle, Person
from tenants.retention.models import LegalHold, Sweep
from tenants.retention.services import person_archive, sweep_report_build
from tests.api.test_casework import in_31
from tests.conftest import client_for
from tests.tenants.casework.conftest import access_as, prepare
from tests.tenants.retention.conftest import forgotten_person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

PAGES = ["/conservation/", "/conservation/gels/"]


def _forgotten() -> Person:
    return in_31(lambda: forgotten_person(access_as("association_worker", "31")))


def test_the_dpo_finds_retention_in_her_navigation_and_runs_a_dry_run(
    settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    person = _forgotten()
    dpo = client_for("dpo", "31")
    home = dpo.get("/conservation/").content.decode()
    assert "Conservation des données" in home and 'lang="fr"' in home
    started = dpo.post("/conservation/balayages/")
    assert started.status_code == 302
    sweep_id = int(started["Location"].rstrip("/").split("/")[-1])
    preparing = dpo.get(started["Location"]).content.decode()
    assert (
        "data-progress" in preparing and "parcours-progress.js" in preparing
    )  # it follows the report
    assert 'http-equiv="refresh"' not in preparing  # no forced reload (RGAA 13.1)
    in_31(lambda: sweep_report_build(sweep_id=sweep_id))
    report = dpo.get(started["Location"]).content.decode()
    assert person.pseudonym in report and "Anonymisation" in report and "Oubliée" not in report
    assert dpo.post(f"/conservation/balayages/{sweep_id}/executer/").status_code == 302
    assert in_31(lambda: Sweep.objects.get(pk=sweep_id).status) == "running"


def test_the_dpo_sets_a_hold_by_pseudonym_and_lifts_it_with_reasons(
    settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    person = _forgotten()
    dpo = client_for("dpo", "31")
    refused = dpo.post(
        "/conservation/gels/", {"pseudonym": "PSP-00-0000-0000", "reason": "Recours."}
    )
    assert refused.status_code == 400 and "fr-error-text" in refused.content.decode()
    done = dpo.post(
        "/conservation/gels/", {"pseudonym": person.pseudonym, "reason": "Recours en cours."}
    )
    assert done.status_code == 302
    hold = in_31(lambda: LegalHold.objects.get(person_id=person.pk))
    dpo.post(f"/conservation/gels/{hold.pk}/lever/", {"reason": "Jugement rendu ce jour."})
    assert in_31(lambda: LegalHold.objects.get(pk=hold.pk).lifted_at) is not None


def test_the_dpo_reads_an_archived_file_only_with_a_reason(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    dossier = in_31(lambda: prepare(access_as("association_worker", "31")))
    person = dossier.person
    coordinator = client_for("coordinator", "31")
    file_link = f'href="/dossiers/{dossier.pk}/"'
    assert file_link in coordinator.get("/dossiers/").content.decode()
    in_31(lambda: person_archive(person=person, today=timezone.localdate(), sweep_id=None))
    dpo = client_for("dpo", "31")
    asked = dpo.get(f"/conservation/archives/{person.pk}/").content.decode()
    assert "Testeuse" not in asked and 'name="reason"' in asked
    no_reason = dpo.post(f"/conservation/archives/{person.pk}/", {"reason": ""}).content.decode()
    assert "Testeuse" not in no_reason and "fr-alert--error" in no_reason
    read = dpo.post(f"/conservation/archives/{person.pk}/", {"reason": "Demande du juge."})
    assert "Testeuse" in read.content.decode()
    assert in_31(lambda: AuditEvent.objects.filter(action="person.archive_read").count()) == 1
    # The follow-up no longer sees her, in the list or at the file's address.
    assert file_link not in coordinator.get("/dossiers/").content.decode()
    assert coordinator.get(f"/dossiers/{dossier.pk}/").status_code == 404
    assert in_31(lambda: Person.objects.get(pk=person.pk).lifecycle) == Lifecycle.ARCHIVED


@pytest.mark.parametrize("role", ["coordinator", "prefet", "association_worker", "member"])
@pytest.mark.parametrize("url", PAGES)
def test_retention_pages_are_refused_to_every_other_role(role: str, url: str) -> None:
    client = client_for(role, "31")
    assert client.get(url).status_code == 403
    assert "Conservation des données" not in client.get("/").content.decode()
