"""The right of access: asked by the coordination, built once in a task, downloaded until it
expires, every step audited; what it holds is everything the file holds on the person."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from parcours.accounts.permissions import Access
from parcours.audit.models import AuditEvent
from parcours.errors import NotAllowed, NotInScope
from parcours.storage import tenant_folder
from tenants.casework.selectors import person_get
from tenants.privacy.errors import PrivacyError
from tenants.privacy.models import AccessExport, ExportStatus
from tenants.privacy.services import (
    access_export_build,
    access_export_download,
    access_export_request,
)
from tests.tenants.casework.conftest import prepare

pytestmark = pytest.mark.django_db


def _ready(in31: Callable[[str], Access], capture: Any) -> AccessExport:
    dossier = prepare(in31("association_worker"))
    coordinator = in31("coordinator")
    person_get(access=coordinator, pk=dossier.person_id)
    with capture() as callbacks:
        export = access_export_request(access=coordinator, person_id=dossier.person_id)
    assert len(callbacks) == 1  # the build is queued once the request commits
    assert access_export_build(export_id=export.pk) is True
    export.refresh_from_db()
    return export


def test_the_export_holds_everything_on_the_person_as_json_and_pdf(
    in31: Callable[[str], Access], django_capture_on_commit_callbacks: Any
) -> None:
    export = _ready(in31, django_capture_on_commit_callbacks)
    assert (export.status, export.progress) == (ExportStatus.READY, 100)
    assert export.expires_at is not None and export.expires_at > timezone.now()
    coordinator = in31("coordinator")
    data = json.loads(
        access_export_download(access=coordinator, export_id=export.pk, kind="json").content
    )
    assert data["person"]["identity"]["Nom"] == "Testeuse"
    assert data["person"]["pseudonym"] == export.person.pseudonym
    (file,) = data["files"]
    assert {e["domain"] for e in file["evaluations"]} == {"Santé", "Social", "Professionnel"}
    assert file["evaluations"][0]["notes"] == "Notes confidentielles"
    assert file["insertion_project"]["commitments"] == "Suivre les démarches"
    assert file["association_avis_motivation"] == "Engagement réel et projet solide."
    assert data["documents"] and data["pathways"]
    readers = {r["account"]: r for r in data["readers"]}
    assert readers["coordinator.31@test.parcours"]["reads"] >= 1
    pdf = access_export_download(access=coordinator, export_id=export.pk, kind="pdf")
    assert pdf.filename.endswith(".pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Les données que nous détenons sur vous" in text
    assert "Testeuse" in text and "Qui a consulté votre dossier" in text


def test_building_twice_stores_one_result(
    in31: Callable[[str], Access], django_capture_on_commit_callbacks: Any
) -> None:
    export = _ready(in31, django_capture_on_commit_callbacks)
    files = sorted(p.name for p in tenant_folder().iterdir())
    assert access_export_build(export_id=export.pk) is False
    assert sorted(p.name for p in tenant_folder().iterdir()) == files
    assert AuditEvent.objects.filter(action="privacy.access_export_built").count() == 1


def test_a_second_request_while_one_is_under_way_returns_it(
    in31: Callable[[str], Access],
) -> None:
    dossier = prepare(in31("association_worker"))
    coordinator = in31("coordinator")
    first = access_export_request(access=coordinator, person_id=dossier.person_id)
    again = access_export_request(access=coordinator, person_id=dossier.person_id)
    assert first.pk == again.pk
    assert AccessExport.objects.count() == 1


def test_request_and_download_are_audited(
    in31: Callable[[str], Access], django_capture_on_commit_callbacks: Any
) -> None:
    export = _ready(in31, django_capture_on_commit_callbacks)
    access_export_download(access=in31("coordinator"), export_id=export.pk, kind="pdf")
    requested = AuditEvent.objects.get(action="privacy.access_export_requested")
    downloaded = AuditEvent.objects.get(action="privacy.access_export_downloaded")
    assert requested.object_id == downloaded.object_id == str(export.pk)
    assert downloaded.data == {"person": export.person_id, "kind": "pdf"}
    assert downloaded.actor_id == in31("coordinator").user_id


def test_an_expired_or_unfinished_export_is_not_given(
    in31: Callable[[str], Access], django_capture_on_commit_callbacks: Any
) -> None:
    export = _ready(in31, django_capture_on_commit_callbacks)
    AccessExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(PrivacyError, match="expiré"):
        access_export_download(access=in31("coordinator"), export_id=export.pk, kind="json")
    AccessExport.objects.filter(pk=export.pk).update(status=ExportStatus.PENDING)
    with pytest.raises(PrivacyError, match="pas encore prêt"):
        access_export_download(access=in31("coordinator"), export_id=export.pk, kind="json")


@pytest.mark.parametrize("role", ["prefet", "member", "dpo", "association_worker"])
def test_only_the_coordination_asks_and_downloads(
    in31: Callable[[str], Access], django_capture_on_commit_callbacks: Any, role: str
) -> None:
    export = _ready(in31, django_capture_on_commit_callbacks)
    with pytest.raises(NotAllowed):
        access_export_request(access=in31(role), person_id=export.person_id)
    with pytest.raises(NotAllowed):
        access_export_download(access=in31(role), export_id=export.pk, kind="json")


def test_unknown_ids_are_not_found(in31: Callable[[str], Access]) -> None:
    with pytest.raises(NotInScope):
        access_export_request(access=in31("coordinator"), person_id=2_000_000_000)
    with pytest.raises(NotInScope):
        access_export_download(access=in31("coordinator"), export_id=2_000_000_000, kind="pdf")


def test_gathering_costs_the_same_queries_whatever_the_files(
    in31: Callable[[str], Access],
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenants.casework.models import Dossier, DossierKind, Pathway, PathwayStatus
    from tenants.privacy.content import person_content

    worker = in31("association_worker")
    dossier = prepare(worker)
    person = dossier.person
    with CaptureQueriesContext(connection) as one_file:
        assert len(person_content(person=person)["files"]) == 1
    # As if authorised: the pathway runs and its first file is closed.
    Pathway.objects.filter(pk=dossier.pathway_id).update(status=PathwayStatus.ACTIVE)
    Dossier.objects.filter(pk=dossier.pk).update(state=min(dossier.workflow.authorised_states))
    prepare(worker, person_id=person.pk, kind=DossierKind.RENEWAL)
    with CaptureQueriesContext(connection) as two_files:
        assert len(person_content(person=person)["files"]) == 2
    assert len(two_files) == len(one_file) <= 20


def test_expired_exports_lose_their_files_once(
    in31: Callable[[str], Access], django_capture_on_commit_callbacks: Any
) -> None:
    from tenants.privacy.exports import access_exports_expire

    export = _ready(in31, django_capture_on_commit_callbacks)
    names = [export.json_storage_name, export.pdf_storage_name]
    assert access_exports_expire() == 0  # not yet expired
    AccessExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert access_exports_expire() == 1
    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED and not export.pdf_storage_name
    assert not any((tenant_folder() / name).exists() for name in names)
    assert access_exports_expire() == 0
    with pytest.raises(PrivacyError, match="expiré"):
        access_export_download(access=in31("coordinator"), export_id=export.pk, kind="pdf")
