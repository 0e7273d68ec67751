"""What the retention sweep calls when it anonymises a person: their identity history and
access exports, files included, are gone; the audit rows that recorded them stay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from parcours.accounts.permissions import Access
from parcours.audit.models import AuditEvent
from parcours.storage import tenant_folder
from tenants.privacy.models import AccessExport, IdentityRevision
from tenants.privacy.services import (
    access_export_build,
    access_export_request,
    person_identity_rectify,
    privacy_person_erase,
)
from tests.tenants.casework.conftest import prepare

pytestmark = pytest.mark.django_db


def test_erasing_a_person_removes_their_revisions_and_exports_and_only_theirs(
    in31: Callable[[str], Access], django_capture_on_commit_callbacks: Any
) -> None:
    worker = in31("association_worker")
    coordinator = in31("coordinator")
    gone, kept = prepare(worker).person, prepare(worker).person
    for person in (gone, kept):
        person_identity_rectify(
            access=coordinator, person_id=person.pk, changes={"last_name": "Autre"}, reason="r"
        )
        export = access_export_request(access=coordinator, person_id=person.pk)
        access_export_build(export_id=export.pk)
    gone_files = [
        name
        for pair in AccessExport.objects.filter(person=gone).values_list(
            "json_storage_name", "pdf_storage_name"
        )
        for name in pair
    ]
    assert all((tenant_folder() / name).exists() for name in gone_files)
    audited = AuditEvent.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        privacy_person_erase(person_id=gone.pk)

    assert not IdentityRevision.objects.filter(person=gone).exists()
    assert not AccessExport.objects.filter(person=gone).exists()
    assert not any((tenant_folder() / name).exists() for name in gone_files)
    assert IdentityRevision.objects.filter(person=kept).count() == 1
    assert AccessExport.objects.filter(person=kept).count() == 1
    # The trail keeps what it recorded (ids only) and says that the erasure happened.
    assert AuditEvent.objects.filter(action="person.identity_rectified").count() == 2
    assert AuditEvent.objects.count() == audited + 1
    # Idempotent: a second call finds nothing and records nothing.
    privacy_person_erase(person_id=gone.pk)
    assert AuditEvent.objects.count() == audited + 1
