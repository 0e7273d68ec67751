"""The retention sweep of a département: a dry-run report first, then its run, row by row.

The report lists every person whose last contact is two years old on the sweep's day and who is
still in the active base (or archived, with no reason to keep her any more), with the outcome
(archive or anonymise) and its reason. The DPO confirms it; the run then takes the report's
rows and only them, each in its own transaction, re-checking the person: a person contacted
since the report is skipped and the row says so; a person put on hold since is archived
instead of anonymised. Running the task twice processes nothing twice (rows carry their result).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.audit.services import audit_record
from parcours.db import connection
from parcours.errors import NotInScope
from parcours.french import french_date
from parcours.queue import enqueue_on_commit
from tenants.casework.models import Lifecycle, Person
from tenants.retention.erasers import ERASERS
from tenants.retention.errors import RetentionError, SweepConflict
from tenants.retention.holds import require_dpo
from tenants.retention.models import Outcome, RowResult, Sweep, SweepRow, SweepStatus
from tenants.retention.policy import contact_cutoff, last_contact, reasons_to_keep

REPORT_TASK = "tenants.retention.tasks.sweep_report"
RUN_TASK = "tenants.retention.tasks.sweep_run"
BUSY = (SweepStatus.PREPARING, SweepStatus.RUNNING)


def sweep_start(*, access: Access | None, today: dt.date | None = None) -> Sweep:
    """Ask for a dry-run report (the DPO from a page or the API, or beat with no access).

    One sweep at a time is being prepared or run in a département: a second is refused."""
    if access is not None:
        require_dpo(access)
    day = today or timezone.localdate()
    with transaction.atomic():
        # Serialise the check and the creation per département (two clicks, beat and a click).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':retention_sweep'))"
            )
        if Sweep.objects.filter(status__in=BUSY).exists():
            raise SweepConflict(["Un balayage est déjà en préparation ou en cours."])
        sweep = Sweep.objects.create(today=day, requested_by_id=access.user_id if access else None)
        audit_record(
            action="retention.sweep_requested",
            actor_id=access.user_id if access else None,
            actor_role=Role.DPO.value if access else "",
            object_type="sweep",
            object_id=sweep.pk,
            data={"today": day.isoformat()},
        )
        enqueue_on_commit(REPORT_TASK, sweep_id=sweep.pk)
        return sweep


def sweep_report_build(*, sweep_id: int) -> Sweep:
    """Write the dry-run report of a sweep being prepared; a report already written is left."""
    with transaction.atomic():
        sweep = Sweep.objects.select_for_update().filter(pk=sweep_id).first()
        if sweep is None:
            raise NotInScope
        if sweep.status != SweepStatus.PREPARING:
            return sweep
        cutoff = contact_cutoff(today=sweep.today)
        candidates = (
            Person.objects.filter(lifecycle__in=[Lifecycle.ACTIVE, Lifecycle.ARCHIVED])
            .filter(
                Q(last_contact_on__lte=cutoff)
                | Q(last_contact_on__isnull=True, created_at__date__lte=cutoff)
            )
            .order_by("pk")
        )
        rows = []
        for person in candidates:
            keep = reasons_to_keep(person=person, today=sweep.today)
            contact = last_contact(person)
            if keep and person.lifecycle == Lifecycle.ARCHIVED:
                continue  # already archived, and still a reason to keep her there
            if keep:
                outcome, reason = Outcome.ARCHIVE, " ; ".join(keep)
            else:
                outcome = Outcome.ANONYMISE
                reason = (
                    f"Aucun contact depuis le {french_date(contact)} (plus de deux ans) "
                    "et aucune raison de conserver les données"
                )
            rows.append(
                SweepRow(
                    sweep=sweep,
                    person=person,
                    pseudonym=person.pseudonym,
                    last_contact_on=contact,
                    outcome=outcome,
                    reason=reason[:300],
                )
            )
        SweepRow.objects.bulk_create(rows)
        sweep.total = len(rows)
        sweep.status = SweepStatus.REPORTED
        sweep.reported_at = timezone.now()
        sweep.save(update_fields=["total", "status", "reported_at"])
        audit_record(
            action="retention.sweep_reported",
            object_type="sweep",
            object_id=sweep.pk,
            data={
                "archive": sum(r.outcome == Outcome.ARCHIVE for r in rows),
                "anonymise": sum(r.outcome == Outcome.ANONYMISE for r in rows),
            },
        )
        return sweep


def sweep_confirm(*, access: Access, sweep_id: int) -> Sweep:
    """The DPO runs a report she has read: its rows, and only them, are processed."""
    require_dpo(access)
    with transaction.atomic():
        sweep = Sweep.objects.select_for_update().filter(pk=sweep_id).first()
        if sweep is None:
            raise NotInScope
        if sweep.status != SweepStatus.REPORTED:
            raise SweepConflict(
                [f"Ce balayage ne peut plus être lancé ({sweep.get_status_display().lower()})."]
            )
        if Sweep.objects.filter(status=SweepStatus.RUNNING).exists():
            raise SweepConflict(["Un autre balayage est en cours d'exécution."])
        sweep.status = SweepStatus.RUNNING
        sweep.confirmed_at = timezone.now()
        sweep.confirmed_by_id = access.user_id
        sweep.save(update_fields=["status", "confirmed_at", "confirmed_by_id"])
        audit_record(
            action="retention.sweep_confirmed",
            actor_id=access.user_id,
            actor_role=Role.DPO.value,
            object_type="sweep",
            object_id=sweep.pk,
            data={"rows": sweep.total},
        )
        enqueue_on_commit(RUN_TASK, sweep_id=sweep.pk)
        return sweep


def _skip_note(*, row: SweepRow, person: Person, cutoff: dt.date) -> str:
    contact = last_contact(person)
    if person.lifecycle == Lifecycle.ANONYMISED:
        return "Déjà anonymisée entre-temps : rien à faire."
    if (row.last_contact_on and contact > row.last_contact_on) or contact > cutoff:
        return f"Contact le {french_date(contact)}, depuis le rapport : la personne reste en base active."
    if row.outcome == Outcome.ARCHIVE and person.lifecycle == Lifecycle.ARCHIVED:
        return "Déjà archivée entre-temps : rien à faire."
    return ""


def person_archive(*, person: Person, today: dt.date, sweep_id: int | None) -> None:
    person.lifecycle = Lifecycle.ARCHIVED
    person.archived_on = today
    person.save(update_fields=["lifecycle", "archived_on"])
    audit_record(
        action="person.archived",
        object_type="person",
        object_id=person.pk,
        data={"sweep": sweep_id},
    )


def person_anonymise(*, person: Person, today: dt.date, sweep_id: int | None) -> None:
    """Irreversible: every eraser of `ERASERS`, in the caller's transaction."""
    for erase in ERASERS:
        erase(person, today)
    person.lifecycle = Lifecycle.ANONYMISED
    person.anonymised_on = today
    person.save(update_fields=["lifecycle", "anonymised_on"])
    audit_record(
        action="person.anonymised",
        object_type="person",
        object_id=person.pk,
        data={"sweep": sweep_id},
    )


def sweep_row_process(*, row_id: int) -> SweepRow:
    """One row of a running sweep, in its own transaction; a processed row is left as it is."""
    with transaction.atomic():
        row = SweepRow.objects.select_for_update().select_related("sweep").get(pk=row_id)
        if row.result != RowResult.PENDING or row.sweep.status != SweepStatus.RUNNING:
            return row
        today = row.sweep.today
        person = Person.objects.select_for_update().get(pk=row.person_id)
        note = _skip_note(row=row, person=person, cutoff=contact_cutoff(today=today))
        if note:
            row.result, row.result_note = RowResult.SKIPPED, note
        elif row.outcome == Outcome.ANONYMISE and (
            keep := reasons_to_keep(person=person, today=today)
        ):
            if person.lifecycle == Lifecycle.ACTIVE:
                person_archive(person=person, today=today, sweep_id=row.sweep_id)
                row.result = RowResult.DONE
                row.result_note = ("Archivée au lieu d'être anonymisée : " + " ; ".join(keep))[:300]
            else:
                row.result = RowResult.SKIPPED
                row.result_note = ("Reste archivée : " + " ; ".join(keep))[:300]
        elif row.outcome == Outcome.ANONYMISE:
            person_anonymise(person=person, today=today, sweep_id=row.sweep_id)
            row.result = RowResult.DONE
        else:
            person_archive(person=person, today=today, sweep_id=row.sweep_id)
            row.result = RowResult.DONE
        row.processed_at = timezone.now()
        row.save(update_fields=["result", "result_note", "processed_at"])
        # Recounted, never incremented: a row processed twice (a task retried) counts once.
        Sweep.objects.filter(pk=row.sweep_id).update(
            processed=SweepRow.objects.filter(sweep_id=row.sweep_id)
            .exclude(result=RowResult.PENDING)
            .count()
        )
        return row


def sweep_finish(*, sweep_id: int) -> Sweep:
    """Mark a running sweep done once none of its rows is pending."""
    with transaction.atomic():
        sweep = Sweep.objects.select_for_update().get(pk=sweep_id)
        if sweep.status != SweepStatus.RUNNING:
            return sweep
        if sweep.rows.filter(result=RowResult.PENDING).exists():
            raise RetentionError(["Des lignes du rapport restent à traiter."])
        sweep.status = SweepStatus.DONE
        sweep.finished_at = timezone.now()
        sweep.processed = sweep.total
        sweep.save(update_fields=["status", "finished_at", "processed"])
        audit_record(
            action="retention.sweep_done",
            object_type="sweep",
            object_id=sweep.pk,
            data={
                "done": sweep.rows.filter(result=RowResult.DONE).count(),
                "skipped": sweep.rows.filter(result=RowResult.SKIPPED).count(),
            },
        )
        return sweep


def sweep_run_all(*, sweep_id: int) -> Sweep:
    """Every pending row of a running sweep, then its end (what the task does)."""
    pending = list(
        SweepRow.objects.filter(sweep_id=sweep_id, result=RowResult.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for row_id in pending:
        sweep_row_process(row_id=row_id)
    return sweep_finish(sweep_id=sweep_id)
