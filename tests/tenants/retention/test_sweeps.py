"""The sweep: a dry-run report first, which changes nothing; its run processes exactly its
rows, re-checked one by one; it can run twice; archived persons leave the follow-up's sight."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from parcours.audit.models import AuditEvent
from parcours.errors import NotInScope
from tenants.casework.models import Decision, Dossier, Lifecycle, Person
from tenants.casework.selectors import (
    dossiers_visible,
    person_get,
    person_identity,
    persons_visible,
)
from tenants.casework.services import person_contact_touch
from tenants.retention.errors import RetentionError, SweepConflict
from tenants.retention.models import Outcome, RowResult, SweepStatus
from tenants.retention.selectors import archived_person_read
from tenants.retention.services import sweep_confirm, sweep_run_all, sweep_start
from tests.tenants.casework.conftest import prepare
from tests.tenants.retention.conftest import forgotten_person, reported, run, two_years_ahead


def test_the_dry_run_lists_who_and_why_and_changes_nothing(in31) -> None:  # type: ignore[no-untyped-def]
    worker, dpo = in31("association_worker"), in31("dpo")
    old = forgotten_person(worker)
    recent = prepare(worker).person
    sweep = reported(dpo, today=timezone.localdate())
    assert sweep.status == SweepStatus.REPORTED
    rows = list(sweep.rows.all())
    assert [r.person_id for r in rows] == [old.pk]
    assert rows[0].outcome == Outcome.ANONYMISE and "10 janvier 2020" in rows[0].reason
    assert rows[0].pseudonym == old.pseudonym
    for person in (old, recent):
        assert Person.objects.get(pk=person.pk).lifecycle == Lifecycle.ACTIVE
    assert (person_identity(access=in31("coordinator"), person=old) or {})["last_name"] == "Oubliée"


def test_a_decision_still_open_to_appeal_archives_instead_of_anonymising(in31) -> None:  # type: ignore[no-untyped-def]
    worker, dpo = in31("association_worker"), in31("dpo")
    notified = prepare(worker)
    unnotified = prepare(worker)
    today = timezone.localdate()
    Dossier.objects.filter(pk=notified.pk).update(
        decision=Decision.REFUSED,
        decided_at=timezone.now() - dt.timedelta(days=3),
        notified_on=today - dt.timedelta(days=2),
    )
    Dossier.objects.filter(pk=unnotified.pk).update(
        decision=Decision.REFUSED, decided_at=timezone.now() - dt.timedelta(days=3)
    )
    Person.objects.filter(pk__in=[notified.person_id, unnotified.person_id]).update(
        last_contact_on=dt.date(2020, 1, 1)
    )
    sweep = reported(dpo, today=today)
    rows = {row.person_id: row for row in sweep.rows.all()}
    assert rows[notified.person_id].outcome == Outcome.ARCHIVE
    assert "Délai de recours ouvert" in rows[notified.person_id].reason
    assert rows[unnotified.person_id].outcome == Outcome.ARCHIVE
    assert "non notifiée" in rows[unnotified.person_id].reason


def test_the_run_processes_exactly_the_report_and_skips_a_person_contacted_since(in31) -> None:  # type: ignore[no-untyped-def]
    worker, dpo = in31("association_worker"), in31("dpo")
    first = forgotten_person(worker, first="Première")
    contacted = forgotten_person(worker, first="Recontactée")
    sweep = reported(dpo, today=timezone.localdate())
    later = forgotten_person(worker, first="Après")  # two years old too, but not in the report
    person_contact_touch(person_id=contacted.pk, on=timezone.localdate())
    sweep_confirm(access=dpo, sweep_id=sweep.pk)
    done = run(sweep)
    assert done.status == SweepStatus.DONE and done.progress_percent == 100
    assert Person.objects.get(pk=first.pk).lifecycle == Lifecycle.ANONYMISED
    assert Person.objects.get(pk=contacted.pk).lifecycle == Lifecycle.ACTIVE
    assert Person.objects.get(pk=later.pk).lifecycle == Lifecycle.ACTIVE
    skipped = done.rows.get(person=contacted)
    assert skipped.result == RowResult.SKIPPED and "depuis le rapport" in skipped.result_note


def test_a_run_is_idempotent_and_only_once_confirmed(in31) -> None:  # type: ignore[no-untyped-def]
    worker, dpo = in31("association_worker"), in31("dpo")
    forgotten_person(worker)
    sweep = reported(dpo, today=timezone.localdate())
    run(sweep)  # not confirmed: nothing happens
    assert sweep.rows.get().result == RowResult.PENDING
    with pytest.raises(RetentionError):
        sweep_confirm(access=in31("coordinator"), sweep_id=sweep.pk)
    sweep_confirm(access=dpo, sweep_id=sweep.pk)
    with pytest.raises(SweepConflict):
        sweep_confirm(access=dpo, sweep_id=sweep.pk)
    run(sweep)
    events = AuditEvent.objects.filter(action="person.anonymised").count()
    sweep_run_all(sweep_id=sweep.pk)
    assert AuditEvent.objects.filter(action="person.anonymised").count() == events == 1


def test_one_sweep_is_prepared_at_a_time(in31) -> None:  # type: ignore[no-untyped-def]
    dpo = in31("dpo")
    sweep_start(access=dpo, today=two_years_ahead())
    with pytest.raises(SweepConflict):
        sweep_start(access=dpo, today=two_years_ahead())


def test_an_archived_person_leaves_the_follow_up_and_the_dpo_reads_her_with_a_reason(in31) -> None:  # type: ignore[no-untyped-def]
    worker, dpo, coordinator = in31("association_worker"), in31("dpo"), in31("coordinator")
    dossier = prepare(worker)
    person = dossier.person
    Dossier.objects.filter(pk=dossier.pk).update(
        decision=Decision.REFUSED, decided_at=timezone.now()
    )
    sweep = reported(dpo, today=two_years_ahead())
    assert sweep.rows.get(person=person).outcome == Outcome.ARCHIVE
    sweep_confirm(access=dpo, sweep_id=sweep.pk)
    run(sweep)
    for access in (worker, coordinator, in31("prefet")):
        assert not persons_visible(access=access).filter(pk=person.pk).exists()
        assert not dossiers_visible(access=access).filter(person=person).exists()
        with pytest.raises(NotInScope):
            person_get(access=access, pk=person.pk)
    with pytest.raises(RetentionError):
        archived_person_read(access=dpo, person_id=person.pk, reason="")
    with pytest.raises(RetentionError):
        archived_person_read(access=coordinator, person_id=person.pk, reason="Contrôle CNIL")
    read = archived_person_read(
        access=dpo, person_id=person.pk, reason="Demande du tribunal administratif"
    )
    assert read.identity["last_name"] == "Testeuse" and read.dossiers == [dossier]
    event = AuditEvent.objects.filter(action="person.archive_read").get()
    assert event.reason == "Demande du tribunal administratif"
    assert event.object_id == str(person.pk)
