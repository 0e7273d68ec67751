"""tenants/casework/deadlines.py and the reminders task: which deadlines are near or passed in a
département, each reminded once, to the right people, by pseudonym only.

The workflow's deadlines (psp-1.json): a period ends within 30 days, an APS expires within 30 days,
the préfet's decision waits more than 30 days after the commission's avis, requested pieces wait
more than 30 days, the instruction takes more than 45 days (pauses excluded).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.accounts.services import membership_grant
from parcours.departements.models import Tenant
from parcours.workflows.services import current_template, workflow_variant_save
from tenants.casework.deadlines import reminders_due
from tenants.casework.models import (
    Dossier,
    Pathway,
    PathwayStatus,
    Period,
    Person,
    Reminder,
    ReminderKind,
)
from tenants.casework.rights import right_update
from tenants.casework.selectors import reminders_for
from tenants.casework.services import dossier_create, person_create
from tenants.casework.tasks import send_reminders
from tests.conftest import People
from tests.tenants.casework.conftest import prepare
from tests.tenants.casework.test_pathway import run, through_commission_and_decision
from tests.tenants.casework.test_rights import association_b_worker_in_31

In31 = Callable[[str], Access]
NAMES = ("Amina", "Testeuse")  # the identity prepare() records


def today() -> dt.date:
    return timezone.localdate()


def summary(reminders: list[Reminder]) -> set[tuple[str, str, int | None]]:
    return {(r.kind, r.role, r.association_id) for r in reminders}


# --- Situations ---------------------------------------------------------------------------------


def authorised(in31: In31) -> Dossier:
    """A pathway whose first period started today (it ends in six months)."""
    return through_commission_and_decision(
        in31, prepare(in31("association_worker")), start_on=today()
    )


def period_ends_in(dossier: Dossier, days: int) -> None:
    Period.objects.filter(dossier=dossier).update(ends_on=today() + dt.timedelta(days=days))


def period_ended(dossier: Dossier) -> None:
    Period.objects.filter(dossier=dossier).update(
        starts_on=today() - relativedelta(months=6), ends_on=today() - dt.timedelta(days=1)
    )


def waiting_for_the_prefet(in31: In31) -> Dossier:
    coordinator, worker = in31("coordinator"), in31("association_worker")
    dossier = prepare(worker)
    run(worker, dossier, "submit")
    run(coordinator, dossier, "declare_complete")
    run(coordinator, dossier, "schedule", session_on=today().isoformat())
    return run(
        coordinator, dossier, "record_commission_avis",
        avis="favourable", votes_for=9, votes_against=2, abstentions=1,
    )  # fmt: skip


def waiting_for_pieces(in31: In31) -> Dossier:
    worker = in31("association_worker")
    dossier = prepare(worker)
    run(worker, dossier, "submit")
    return run(
        in31("coordinator"), dossier, "request_missing_items", comment="Pièce d'identité illisible"
    )


def submitted(in31: In31) -> Dossier:
    worker = in31("association_worker")
    return run(worker, prepare(worker), "submit")


def aps_granted(worker: Access, *, expires_in: int) -> Person:
    person = person_create(
        access=worker,
        identity={"first_name": NAMES[0], "last_name": NAMES[1]},
        children_count=0,
        languages=[],
    )
    for status, on in (("requested", -60), ("granted", -50)):
        right_update(
            access=worker,
            person_id=person.pk,
            right_type="aps",
            status=status,
            on=today() + dt.timedelta(days=on),
            ends_on=today() + dt.timedelta(days=expires_in) if status == "granted" else None,
        )
    return person


def ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


# --- Each deadline, reminded once ---------------------------------------------------------------


@pytest.mark.parametrize(("days_left", "reminded"), [(0, True), (30, True), (31, False)])
def test_a_period_ending_soon_is_reminded_to_the_coordination_and_the_association(
    in31: In31, days_left: int, reminded: bool
) -> None:
    dossier = authorised(in31)
    period_ends_in(dossier, days_left)

    new = reminders_due(today=today())

    expected = {
        (ReminderKind.PERIOD_ENDING, "coordinator", None),
        (ReminderKind.PERIOD_ENDING, "association_worker", dossier.association_id),
    }
    assert summary(new) == (expected if reminded else set())
    assert all(r.dossier_id == dossier.pk for r in new)
    assert all(r.due_on == today() + dt.timedelta(days=days_left) for r in new)


def test_each_reminder_is_created_once(in31: In31) -> None:
    dossier = authorised(in31)
    period_ends_in(dossier, 10)
    first = reminders_due(today=today())

    again = reminders_due(today=today())
    next_day = reminders_due(today=today() + dt.timedelta(days=1))

    assert len(first) == 2
    assert again == [] and next_day == []
    assert Reminder.objects.count() == 2


def test_no_period_reminder_once_a_renewal_is_on_its_way(in31: In31) -> None:
    dossier = authorised(in31)
    period_ends_in(dossier, 10)
    dossier_create(access=in31("association_worker"), person_id=dossier.person_id, kind="renewal")

    assert reminders_due(today=today()) == []


def test_a_withdrawn_renewal_does_not_silence_the_period_reminder(in31: In31) -> None:
    worker = in31("association_worker")
    dossier = authorised(in31)
    period_ends_in(dossier, 10)
    renewal = dossier_create(access=worker, person_id=dossier.person_id, kind="renewal")
    run(worker, renewal, "withdraw", comment="La personne renonce au renouvellement.")

    assert {r.kind for r in reminders_due(today=today())} == {ReminderKind.PERIOD_ENDING}


@pytest.mark.parametrize(("expires_in", "reminded"), [(20, True), (30, True), (31, False)])
def test_an_aps_expiring_soon_is_reminded_to_the_persons_association(
    in31: In31, expires_in: int, reminded: bool
) -> None:
    person = aps_granted(in31("association_worker"), expires_in=expires_in)

    new = reminders_due(today=today())

    assert summary(new) == (
        {(ReminderKind.APS_EXPIRING, "association_worker", person.association_id)}
        if reminded
        else set()
    )
    assert all(r.right.person_id == person.pk for r in new)
    assert reminders_due(today=today()) == []


def test_the_aps_warning_follows_the_departements_own_delay(in31: In31) -> None:
    workflow_variant_save(
        tenant=Tenant.objects.get(code="31"),
        template=current_template(code="psp"),
        adjustments={"deadlines": {"aps_expiry_warning_days": 60}},
        actor_id=None,
    )
    aps_granted(in31("association_worker"), expires_in=45)

    assert {r.kind for r in reminders_due(today=today())} == {ReminderKind.APS_EXPIRING}


@pytest.mark.parametrize(("waited", "reminded"), [(30, False), (31, True)])
def test_a_decision_waiting_too_long_after_the_avis_is_reminded_to_the_prefet(
    in31: In31, waited: int, reminded: bool
) -> None:
    dossier = waiting_for_the_prefet(in31)
    Dossier.objects.filter(pk=dossier.pk).update(
        commission_avis_on=today() - dt.timedelta(days=waited)
    )

    new = reminders_due(today=today())

    assert summary(new) == (
        {(ReminderKind.WAITING_DECISION, "prefet", None)} if reminded else set()
    )
    assert reminders_due(today=today()) == []


@pytest.mark.parametrize(("waited", "reminded"), [(30, False), (31, True)])
def test_pieces_requested_long_ago_are_reminded_to_the_association(
    in31: In31, waited: int, reminded: bool
) -> None:
    dossier = waiting_for_pieces(in31)
    Dossier.objects.filter(pk=dossier.pk).update(clock_paused_since=ago(waited))

    new = reminders_due(today=today())

    assert summary(new) == (
        {(ReminderKind.MISSING_ITEMS_UNANSWERED, "association_worker", dossier.association_id)}
        if reminded
        else set()
    )
    assert reminders_due(today=today()) == []


@pytest.mark.parametrize(("waited", "reminded"), [(45, False), (46, True)])
def test_an_instruction_taking_too_long_is_reminded_to_the_coordination(
    in31: In31, waited: int, reminded: bool
) -> None:
    dossier = submitted(in31)
    Dossier.objects.filter(pk=dossier.pk).update(submitted_at=ago(waited))

    new = reminders_due(today=today())

    assert summary(new) == (
        {(ReminderKind.WAITING_INSTRUCTION, "coordinator", None)} if reminded else set()
    )
    assert all("objectif 45" in r.message for r in new)
    assert reminders_due(today=today()) == []


def test_the_time_waiting_for_pieces_does_not_count_in_the_instruction_delay(
    in31: In31,
) -> None:
    dossier = submitted(in31)
    # Submitted 50 days ago, of which 10 spent waiting for the association's pieces: 40 days.
    Dossier.objects.filter(pk=dossier.pk).update(submitted_at=ago(50), paused_seconds=10 * 86400)

    assert reminders_due(today=today()) == []


def test_every_deadline_is_measured_on_the_day_given(in31: In31) -> None:
    submitted(in31)

    new = reminders_due(today=today() + dt.timedelta(days=60))

    assert {r.kind for r in new} == {ReminderKind.WAITING_INSTRUCTION}


@pytest.mark.parametrize("renewal_pending", [False, True])
def test_a_pathway_whose_last_period_is_over_is_completed_unless_a_renewal_is_pending(
    in31: In31, renewal_pending: bool
) -> None:
    dossier = authorised(in31)
    if renewal_pending:
        dossier_create(
            access=in31("association_worker"), person_id=dossier.person_id, kind="renewal"
        )
    period_ended(dossier)

    reminders_due(today=today())

    pathway = Pathway.objects.get(pk=dossier.pathway_id)
    if renewal_pending:
        assert (pathway.status, pathway.ended_on) == (PathwayStatus.ACTIVE, None)
    else:
        assert pathway.status == PathwayStatus.COMPLETED
        assert pathway.ended_on == today() - dt.timedelta(days=1)


def test_reminders_name_the_person_by_pseudonym_only(in31: In31) -> None:
    ending = authorised(in31)
    period_ends_in(ending, 10)
    aps = aps_granted(in31("association_worker"), expires_in=10)
    decision = waiting_for_the_prefet(in31)
    Dossier.objects.filter(pk=decision.pk).update(commission_avis_on=today() - dt.timedelta(40))
    pieces = waiting_for_pieces(in31)
    Dossier.objects.filter(pk=pieces.pk).update(clock_paused_since=ago(40))
    instruction = submitted(in31)
    Dossier.objects.filter(pk=instruction.pk).update(submitted_at=ago(60))

    new = reminders_due(today=today())

    assert {r.kind for r in new} == set(ReminderKind.values)  # every kind is exercised here
    for reminder in new:
        person = reminder.dossier.person if reminder.dossier else reminder.right.person
        assert person.pseudonym in reminder.message
        assert not any(name in reminder.message for name in NAMES), reminder.message
    assert any(r.right and r.right.person_id == aps.pk for r in new)


# --- Sending -------------------------------------------------------------------------------------


def test_each_new_reminder_is_emailed_once_to_its_people(in31: In31, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    association_b_worker_in_31()  # approved in 31 too, but the file is not hers
    dossier = authorised(in31)
    period_ends_in(dossier, 10)
    pseudonym = dossier.person.pseudonym

    sent = send_reminders()

    assert sent == 2
    assert sorted(tuple(mail.to) for mail in mailoutbox) == [
        (People.email("association_worker", "31"),),
        (People.email("coordinator", "31"),),
    ]
    for mail in mailoutbox:
        assert mail.subject == "Parcours — Fin de période proche"
        assert pseudonym in mail.body
        assert not any(name in mail.body for name in NAMES)
    assert all(r.emailed_at is not None for r in Reminder.objects.all())

    assert send_reminders() == 0
    assert len(mailoutbox) == 2


# --- Who sees which reminder ----------------------------------------------------------------------


@pytest.fixture
def aps_of_both_associations(in31: In31) -> dict[str, Person]:
    association_b_worker_in_31()
    persons = {
        "association_worker": aps_granted(in31("association_worker"), expires_in=10),
        "association_worker_b": aps_granted(in31("association_worker_b"), expires_in=10),
    }
    assert len(reminders_due(today=today())) == 2
    return persons


@pytest.mark.parametrize("worker", ["association_worker", "association_worker_b"])
def test_an_association_sees_only_its_own_reminders(
    in31: In31, aps_of_both_associations: dict[str, Person], worker: str
) -> None:
    shown = reminders_for(access=in31(worker))

    assert [r.right.person_id for r in shown] == [aps_of_both_associations[worker].pk]


@pytest.mark.parametrize("role", ["coordinator", "prefet", "member", "dpo"])
def test_an_associations_reminder_is_not_shown_to_other_roles(
    in31: In31, aps_of_both_associations: dict[str, Person], role: str
) -> None:
    assert reminders_for(access=in31(role)) == []


def test_a_worker_who_also_sits_on_the_commission_sees_only_her_associations_reminders(
    in31: In31, aps_of_both_associations: dict[str, Person]
) -> None:
    user = association_b_worker_in_31()
    membership_grant(
        user=user, role=Role.MEMBER, tenant=Tenant.objects.get(code="31"), actor_id=None
    )

    shown = reminders_for(access=in31("association_worker_b"))

    assert [r.right.person_id for r in shown] == [
        aps_of_both_associations["association_worker_b"].pk
    ]


def test_the_prefet_sees_the_decisions_waiting_for_him(in31: In31) -> None:
    dossier = waiting_for_the_prefet(in31)
    Dossier.objects.filter(pk=dossier.pk).update(commission_avis_on=today() - dt.timedelta(40))
    reminders_due(today=today())

    assert [r.dossier_id for r in reminders_for(access=in31("prefet"))] == [dossier.pk]
    assert reminders_for(access=in31("coordinator")) == []


def test_the_home_page_lists_the_reminders_of_the_person(in31: In31, login) -> None:  # type: ignore[no-untyped-def]
    dossier = authorised(in31)
    period_ends_in(dossier, 10)
    reminders_due(today=today())
    message = Reminder.objects.get(role="coordinator").message

    coordinator_home = html.unescape(login("coordinator", "31").get("/").content.decode())
    member_home = html.unescape(login("member", "31").get("/").content.decode())

    assert message in coordinator_home
    assert f'href="/dossiers/{dossier.pk}/"' in coordinator_home
    assert "Fin de période proche" in coordinator_home
    assert message not in member_home
