"""The right of access (GDPR art. 15): everything the département holds on a person.

The coordination asks for it on the person's behalf; a task gathers the person's data (identity
and its history, files, evaluations, project, periods, rights, the list of pieces, decisions,
the commission's items about their files, and who read the file), writes it as JSON and as a
readable French PDF under the département's folder, and the coordination downloads both until
the export expires. Asking and downloading are audited; the build is idempotent (a second run
of a finished export writes nothing).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.audit.services import audit_record
from parcours.db import connection
from parcours.errors import NotAllowed, NotInScope
from parcours.queue import enqueue_on_commit
from parcours.storage import read_bytes, store_bytes
from tenants.casework.models import Person
from tenants.casework.selectors import person_get
from tenants.privacy.content import person_content
from tenants.privacy.errors import PrivacyError
from tenants.privacy.models import AccessExport, ExportStatus

EXPORT_ROLES = frozenset({Role.COORDINATOR})
# Long enough for the coordination to hand the export over, short enough not to become a copy.
EXPORT_TTL = dt.timedelta(days=30)
BUILD_TASK = "tenants.privacy.tasks.build_access_export"
ExportKind = Literal["json", "pdf"]
OPEN = (ExportStatus.PENDING, ExportStatus.RUNNING)


def _require_coordination(access: Access) -> None:
    if not access.has_any(EXPORT_ROLES):
        raise NotAllowed("L'export du droit d'accès est demandé et remis par la coordination.")


def access_export_request(*, access: Access, person_id: int) -> AccessExport:
    """Ask for a person's export; an export already under way is returned, not doubled."""
    _require_coordination(access)
    with transaction.atomic():
        person = person_get(access=access, pk=person_id, reason="droit d'accès")
        Person.objects.select_for_update().filter(pk=person.pk).first()
        running = AccessExport.objects.filter(person=person, status__in=OPEN).first()
        if running is not None:
            return running
        export = AccessExport.objects.create(person=person, requested_by_id=access.user_id)
        audit_record(
            action="privacy.access_export_requested",
            actor_id=access.user_id,
            actor_role=Role.COORDINATOR.value,
            object_type="access_export",
            object_id=export.pk,
            data={"person": person.pk},
        )
        enqueue_on_commit(BUILD_TASK, export_id=export.pk)
        return export


def _progress(export_id: int, percent: int, **fields: Any) -> None:
    """Committed at once (the task runs outside a transaction), so a page sees it move."""
    AccessExport.objects.filter(pk=export_id).update(progress=percent, **fields)


def access_export_build(*, export_id: int) -> bool:
    """Gather, render and store one export; False when there was nothing to do.

    Idempotent: a finished (or expired) export is left alone; one left running by a worker that
    died is built again. Only the final step (storing the names, the status) is serialised per
    export, so two runs at once store one result.
    """
    from tenants.commission.documents import pdf

    export = AccessExport.objects.filter(pk=export_id).select_related("person").first()
    if export is None or export.status not in OPEN:
        return False
    _progress(export_id, 5, status=ExportStatus.RUNNING)
    try:
        content = person_content(person=export.person)
        _progress(export_id, 50)
        data = json.dumps(content, ensure_ascii=False, indent=2, default=str).encode()
        rendered = pdf(
            "privacy/access_export.html",
            {
                "content": content,
                "tenant": connection.tenant,
                "today": timezone.localdate(),
            },
        )
        _progress(export_id, 90)
    except Exception:
        _progress(export_id, 0, status=ExportStatus.FAILED)
        raise
    with transaction.atomic():
        locked = AccessExport.objects.select_for_update().get(pk=export_id)
        if locked.status not in OPEN:
            return False
        json_name, _ = store_bytes(data=data, suffix=".json")
        pdf_name, _ = store_bytes(data=rendered, suffix=".pdf")
        now = timezone.now()
        locked.json_storage_name = json_name
        locked.pdf_storage_name = pdf_name
        locked.status = ExportStatus.READY
        locked.progress = 100
        locked.finished_at = now
        locked.expires_at = now + EXPORT_TTL
        locked.save()
        audit_record(
            action="privacy.access_export_built",
            object_type="access_export",
            object_id=export_id,
            data={"person": locked.person_id},
        )
    return True


def access_exports_visible(*, access: Access, person_id: int | None = None) -> list[AccessExport]:
    """The exports the coordination asked for (pseudonyms only: one query)."""
    _require_coordination(access)
    exports = AccessExport.objects.select_related("person").order_by("-created_at", "-id")
    if person_id is not None:
        exports = exports.filter(person_id=person_id)
    return list(exports[:200])


def access_export_get(*, access: Access, export_id: int) -> AccessExport:
    _require_coordination(access)
    export = AccessExport.objects.select_related("person").filter(pk=export_id).first()
    if export is None:
        raise NotInScope
    return export


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    content: bytes


def access_export_download(*, access: Access, export_id: int, kind: ExportKind) -> ExportFile:
    """One file of a ready export, for the coordination to hand over; audited."""
    export = access_export_get(access=access, export_id=export_id)
    if not export.is_downloadable():
        reason = (
            "Cet export a expiré : demandez-en un nouveau."
            if export.status in (ExportStatus.READY, ExportStatus.EXPIRED)
            else "Cet export n'est pas encore prêt."
        )
        raise PrivacyError([reason])
    name = export.json_storage_name if kind == "json" else export.pdf_storage_name
    audit_record(
        action="privacy.access_export_downloaded",
        actor_id=access.user_id,
        actor_role=Role.COORDINATOR.value,
        object_type="access_export",
        object_id=export.pk,
        data={"person": export.person_id, "kind": kind},
    )
    stem = f"droit-acces-{export.person.pseudonym}-{export.pk}"
    if kind == "json":
        return ExportFile(f"{stem}.json", "application/json", read_bytes(name))
    return ExportFile(f"{stem}.pdf", "application/pdf", read_bytes(name))


def access_exports_expire() -> int:
    """Delete the files of the exports past their expiry (nightly): an export handed over is
    not a second copy of the file to keep. The rows stay, marked expired; the files go after
    the commit. Idempotent: an expired export has no file left to delete."""
    from parcours.storage import tenant_folder

    with transaction.atomic():
        due = list(
            AccessExport.objects.select_for_update(skip_locked=True).filter(
                status=ExportStatus.READY, expires_at__lte=timezone.now()
            )
        )
        if not due:
            return 0
        names = [n for e in due for n in (e.json_storage_name, e.pdf_storage_name) if n]
        AccessExport.objects.filter(pk__in=[e.pk for e in due]).update(
            status=ExportStatus.EXPIRED, json_storage_name="", pdf_storage_name=""
        )
        audit_record(
            action="privacy.access_exports_expired",
            object_type="access_export",
            data={"exports": [e.pk for e in due]},
        )
        folder = tenant_folder()

        def remove() -> None:
            for name in names:
                (folder / name).unlink(missing_ok=True)

        transaction.on_commit(remove)
        return len(due)
