"""Erasing what the person's rights left behind, when the person is anonymised.

The retention sweep (tenants/retention) anonymises a person irreversibly; the history of their
identity (old values, encrypted, are still identity) and their access exports (files holding
everything about them) must go with it. The audit rows that recorded the rectifications and
the exports stay: they carry ids and field names, never values.
"""

from __future__ import annotations

from django.db import transaction

from parcours.audit.services import audit_record
from parcours.storage import tenant_folder
from tenants.privacy.models import AccessExport, IdentityRevision


def privacy_person_erase(*, person_id: int) -> None:
    """Delete the person's identity revisions and access exports, files included.

    Idempotent (a second call finds nothing). The files are removed after the commit, so a
    rolled-back anonymisation keeps exports that still have their rows.
    """
    with transaction.atomic():
        names = [
            name
            for pair in AccessExport.objects.filter(person_id=person_id).values_list(
                "json_storage_name", "pdf_storage_name"
            )
            for name in pair
            if name
        ]
        revisions, _ = IdentityRevision.objects.filter(person_id=person_id).delete()
        exports, _ = AccessExport.objects.filter(person_id=person_id).delete()
        if revisions or exports or names:
            audit_record(
                action="privacy.person_erased",
                object_type="person",
                object_id=person_id,
                data={"identity_revisions": revisions, "access_exports": exports},
            )
        folder = tenant_folder()

        def remove() -> None:
            for name in names:
                (folder / name).unlink(missing_ok=True)

        transaction.on_commit(remove)
