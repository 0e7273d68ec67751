"""Each role's work queue counts what the data holds, in a fixed number of queries, and shows
a person only what their role and their association may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection as django_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parcours.accounts.models import Role, User
from parcours.accounts.permissions import Access, access_of
from parcours.accounts.services import membership_grant
from parcours.associations.models import Association
from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.casework.models import Dossier, Period, Right, RightStatus
from tenants.casework.services import TransitionRequest, dossier_transition
from tenants.commission import services as commission_services
from tenants.worklists.selectors import (
    WorklistRefused,
    coordination_worklist,
    member_worklist,
    prefet_worklist,
    worker_worklist,
)
from tests.conftest import People
from tests.tenants.casework.conftest import access_as, prepare
from tests.tenants.commission.factories import through_a_session


def _fire(access: Access, dossier: Dossier, name: str, **data: str) -> None:
    comment = data.pop("comment", "")
    dossier_transition(
        access=access,
        dossier_id=dossier.pk,
        request=TransitionRequest(name=name, data=data, comment=comment),
    )


def _files(in31: Callable[[str], Access]) -> dict[str, list[Dossier]]:
    """One draft, one file to check, one waiting on missing items, one to schedule, two with the
    commission's avis (one of which the préfet authorises)."""
    worker, coordinator = in31("association_worker"), in31("coordinator")
    files: dict[str, list[Dossier]] = {}
    files["draft"] = [prepare(worker)]
    made = [prepare(worker) for _ in range(5)]
    for dossier in made:
        _fire(worker, dossier, "submit")
    files["to_check"] = [made[0]]
    _fire(coordinator, made[1], "request_missing_items", comment="Le justificatif de domicile.")
    files["incomplete"] = [made[1]]
    for dossier in made[2:]:
        _fire(coordinator, dossier, "declare_complete")
    files["to_schedule"] = [made[2]]
    through_a_session(
        coordinator=coordinator, dossiers=[Dossier.objects.get(pk=d.pk) for d in made[3:]]
    )
    files["avis"] = made[3:]
    return files


def _count(worklist: object, key: str) -> int:
    return next(q.count for q in worklist.queues if q.key == key)  # type: ignore[attr-defined]


def test_the_coordination_queue_counts_each_kind_of_work(in31) -> None:  # type: ignore[no-untyped-def]
    files = _files(in31)
    today = timezone.localdate()
    prefet = in31("prefet")
    authorised = files["avis"][0]
    _fire(prefet, authorised, "authorise", start_on=today.isoformat())
    Period.objects.filter(dossier=authorised).update(ends_on=today + dt.timedelta(days=10))
    Right.objects.create(
        person=files["to_check"][0].person,
        right_type="aps",
        status=RightStatus.GRANTED,
        ends_on=today + dt.timedelta(days=5),
    )

    worklist = coordination_worklist(access=in31("coordinator"), today=today)

    assert {q.key: q.count for q in worklist.queues} == {
        "to_check": 1,
        "missing_items": 1,
        "to_schedule": 1,
        "on_agenda": 0,
        "awaiting_prefet": 1,
        "periods_ending": 1,
        "aps_expiring": 1,
    }
    incomplete = next(q for q in worklist.queues if q.key == "missing_items")
    assert incomplete.items[0].dossier_id == files["incomplete"][0].pk
    assert incomplete.items[0].detail == "Le justificatif de domicile."
    assert incomplete.items[0].on == today  # waiting since the request
    periods = next(q for q in worklist.queues if q.key == "periods_ending")
    assert periods.items[0].dossier_id == authorised.pk and periods.items[0].days == 10


def test_a_renewal_under_way_takes_the_period_out_of_the_queue(in31) -> None:  # type: ignore[no-untyped-def]
    files = _files(in31)
    today = timezone.localdate()
    authorised = files["avis"][0]
    _fire(in31("prefet"), authorised, "authorise", start_on=today.isoformat())
    Period.objects.filter(dossier=authorised).update(ends_on=today + dt.timedelta(days=10))
    coordinator = in31("coordinator")
    before = coordination_worklist(access=coordinator, today=today)
    assert _count(before, "periods_ending") == 1
    assert before.next_session is None  # the only session is closed

    prepare(in31("association_worker"), person_id=authorised.person_id, kind="renewal")

    assert _count(coordination_worklist(access=coordinator, today=today), "periods_ending") == 0


def test_the_next_session_comes_with_its_agenda_and_quorum(in31) -> None:  # type: ignore[no-untyped-def]
    files = _files(in31)
    coordinator = in31("coordinator")
    session = commission_services.session_schedule(
        access=coordinator, starts_at=timezone.now() + dt.timedelta(days=12)
    )
    commission_services.agenda_add_file(
        access=coordinator, session_id=session.pk, dossier_id=files["to_schedule"][0].pk
    )

    worklist = coordination_worklist(access=coordinator, today=timezone.localdate())

    assert worklist.next_session is not None
    assert worklist.next_session.session.pk == session.pk
    assert worklist.next_session.items == 1
    assert worklist.next_session.quorum.members == 3  # the small commission's titular seats
    assert worklist.next_session.quorum.needed == 2
    assert _count(worklist, "on_agenda") == 1 and _count(worklist, "to_schedule") == 0


def test_the_coordination_queue_costs_the_same_queries_for_more_files(in31) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    today = timezone.localdate()
    _files(in31)
    coordination_worklist(access=coordinator, today=today)  # caches warmed (the variant's)
    with CaptureQueriesContext(django_connection) as few:
        coordination_worklist(access=coordinator, today=today)
    _files(in31)
    with CaptureQueriesContext(django_connection) as more:
        worklist = coordination_worklist(access=coordinator, today=today)

    assert _count(worklist, "to_check") == 2
    assert len(more) == len(few) <= 8


def test_the_prefet_signs_the_oldest_avis_first_and_sees_the_delay(in31) -> None:  # type: ignore[no-untyped-def]
    files = _files(in31)
    today = timezone.localdate()
    newer, older = files["avis"]
    Dossier.objects.filter(pk=older.pk).update(commission_avis_on=today - dt.timedelta(days=40))
    Dossier.objects.filter(pk=newer.pk).update(commission_avis_on=today - dt.timedelta(days=3))

    prefet = in31("prefet")
    prefet_worklist(access=prefet, today=today)  # caches warmed (the variant's)
    with CaptureQueriesContext(django_connection) as queries:
        worklist = prefet_worklist(access=prefet, today=today)

    assert len(queries) <= 2  # the département's delays, the files: whatever their number
    assert worklist.decisions.count == 2
    assert [i.dossier_id for i in worklist.decisions.items] == [older.pk, newer.pk]
    assert [i.days for i in worklist.decisions.items] == [40, 3]
    assert [i.late for i in worklist.decisions.items] == [True, False]  # target: 30 days


@pytest.mark.parametrize(
    ("role", "selector"),
    [
        ("member", coordination_worklist),
        ("association_worker", coordination_worklist),
        ("coordinator", prefet_worklist),
        ("coordinator", member_worklist),
        ("prefet", worker_worklist),
    ],
)
def test_a_queue_is_refused_to_the_roles_it_is_not_for(in31, role, selector) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WorklistRefused):
        selector(access=in31(role), today=timezone.localdate())


def test_a_member_sees_the_next_session_convened_to_them_and_the_end_of_their_mandate(in31) -> None:  # type: ignore[no-untyped-def]
    files = _files(in31)
    coordinator = in31("coordinator")
    today = timezone.localdate()
    member_user = User.objects.get(email=People.email("member", "31"))
    commission_services.member_appoint(
        access=coordinator,
        user_id=member_user.pk,
        college="magistrat",
        arrete_reference="A-2026-7",
        arrete_on=today - dt.timedelta(days=30),
        mandate_start=today - dt.timedelta(days=30),
        mandate_end=today + dt.timedelta(days=60),
    )
    session = commission_services.session_schedule(
        access=coordinator, starts_at=timezone.now() + dt.timedelta(days=12)
    )
    commission_services.agenda_add_file(
        access=coordinator, session_id=session.pk, dossier_id=files["to_schedule"][0].pk
    )
    member = in31("member")
    assert member_worklist(access=member, today=today).next_session is None  # not convened yet

    commission_services.session_convene(access=coordinator, session_id=session.pk)
    worklist = member_worklist(access=member, today=today)

    assert worklist.next_session is not None and worklist.next_session.pk == session.pk
    assert worklist.agenda == [
        f"Dossier {files['to_schedule'][0].person.pseudonym} (première demande)"
    ]
    assert worklist.mandate_ends_on == today + dt.timedelta(days=60)
    assert worklist.mandate_ending


# --- the association's files across its départements --------------------------------------


def _worker_in_31_and_13() -> Access:
    """The worker of association A in 31 also works for it in 13 (approved there)."""
    user = User.objects.get(email=People.email("association_worker", "31"))
    connection.set_schema_to_public()
    membership_grant(
        user=user,
        role=Role.ASSOCIATION_WORKER,
        tenant=Tenant.objects.get(code="13"),
        association=Association.objects.get(rna="W313000099"),
        actor_id=None,
    )
    connection.set_tenant(Tenant.objects.get(code="31"))
    return access_as("association_worker", "31")


def _in(code: str, make: Callable[[], Dossier]) -> Dossier:
    connection.set_tenant(Tenant.objects.get(code=code))
    try:
        return make()
    finally:
        connection.set_tenant(Tenant.objects.get(code="31"))


def _association_b_worker_in_31() -> Access:
    """Association B is approved in 31 too: its worker of 75 gets a membership here."""
    user = User.objects.get(email=People.email("association_worker", "75"))
    connection.set_schema_to_public()
    membership_grant(
        user=user,
        role=Role.ASSOCIATION_WORKER,
        tenant=Tenant.objects.get(code="31"),
        association=Association.objects.get(rna="W753000099"),
        actor_id=None,
    )
    connection.set_tenant(Tenant.objects.get(code="31"))
    return access_of(user_id=user.pk, tenant=Tenant.objects.get(code="31"))


def test_a_worker_sees_its_files_of_every_departement_and_never_another_associations(in31) -> None:  # type: ignore[no-untyped-def]
    worker = _worker_in_31_and_13()
    here = prepare(worker)
    there = _in("13", lambda: prepare(access_as("association_worker", "13")))
    other = prepare(_association_b_worker_in_31())  # in 31, association B
    elsewhere = _in("75", lambda: prepare(access_as("association_worker", "75")))

    worklist = worker_worklist(access=worker, today=timezone.localdate())

    seen = {(f.departement_code, f.reference) for f in worklist.files}
    assert ("31", here.person.pseudonym) in seen
    assert ("13", there.person.pseudonym) in seen
    # The test reached the other association's files: they exist, in 31 and in 75.
    assert Dossier.objects.filter(pk=other.pk, association__rna="W753000099").exists()
    assert elsewhere.pk
    assert other.person.pseudonym not in {f.reference for f in worklist.files}
    assert elsewhere.person.pseudonym not in {f.reference for f in worklist.files}
    assert worklist.departements == ["13", "31"]
    assert all(
        f.theirs and f.next_action == "Compléter et déposer le dossier" for f in worklist.files
    )
    assert [f.here for f in worklist.files if f.departement_code == "31"] == [True]
    assert connection.schema_name == Tenant.objects.get(code="31").schema_name  # back home


def test_a_worker_is_told_which_items_are_asked_for_and_by_when(in31) -> None:  # type: ignore[no-untyped-def]
    worker = in31("association_worker")
    dossier = prepare(worker)
    _fire(worker, dossier, "submit")
    _fire(in31("coordinator"), dossier, "request_missing_items", comment="Le titre de séjour.")
    today = timezone.localdate()

    [row] = worker_worklist(access=worker, today=today).files

    assert row.missing_items == "Le titre de séjour."
    assert row.theirs
    assert row.due_on == today + dt.timedelta(days=30)  # missing_items_unanswered_days


def test_a_worker_whose_approval_ended_sees_nothing_of_that_departement(in31) -> None:  # type: ignore[no-untyped-def]
    from tenants.agrements.models import Agrement

    worker = _worker_in_31_and_13()
    there = _in("13", lambda: prepare(access_as("association_worker", "13")))
    connection.set_tenant(Tenant.objects.get(code="13"))
    Agrement.objects.filter(association__rna="W313000099").update(valid_until=timezone.localdate())
    connection.set_tenant(Tenant.objects.get(code="31"))

    worklist = worker_worklist(access=worker, today=timezone.localdate())

    assert there.person.pseudonym not in {f.reference for f in worklist.files}


def test_the_worker_queue_costs_a_fixed_number_of_queries_per_departement(in31) -> None:  # type: ignore[no-untyped-def]
    worker = _worker_in_31_and_13()
    today = timezone.localdate()
    prepare(worker)
    _in("13", lambda: prepare(access_as("association_worker", "13")))
    worker_worklist(access=worker, today=today)
    with CaptureQueriesContext(django_connection) as few:
        worker_worklist(access=worker, today=today)
    prepare(worker)
    prepare(worker)
    _in("13", lambda: prepare(access_as("association_worker", "13")))
    with CaptureQueriesContext(django_connection) as more:
        worklist = worker_worklist(access=worker, today=today)

    assert len(worklist.files) == 5
    assert len(more) == len(few) <= 3 * 2
