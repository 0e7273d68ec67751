"""The DPO's audit trail: filters that combine, a person's file found by its objects, readers
grouped by account, a CSV in the platform's dialect, a constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from parcours.accounts.permissions import Access
from parcours.audit.models import AuditEvent
from parcours.errors import NotAllowed, NotInScope
from tenants.casework.selectors import dossier_get, person_get
from tenants.privacy.selectors import TrailFilters, person_readers, trail_csv, trail_search
from tests.tenants.casework.conftest import prepare

pytestmark = pytest.mark.django_db


def test_the_dpo_finds_every_event_of_a_persons_file_and_only_those(
    in31: Callable[[str], Access],
) -> None:
    worker = in31("association_worker")
    mine = prepare(worker)
    other = prepare(worker)
    person_get(access=in31("coordinator"), pk=mine.person_id)
    dossier_get(access=in31("prefet"), pk=mine.pk)
    events = trail_search(access=in31("dpo"), filters=TrailFilters(person=mine.person.pseudonym))
    kinds = {(e.object_type, e.object_id) for e in events}
    assert ("person", str(mine.person_id)) in kinds
    assert ("dossier", str(mine.pk)) in kinds
    assert ("dossier", str(other.pk)) not in kinds
    assert ("person", str(other.person_id)) not in kinds
    # By id too; an unknown person finds nothing rather than everything.
    by_id = trail_search(access=in31("dpo"), filters=TrailFilters(person=str(mine.person_id)))
    assert {e.pk for e in by_id} == {e.pk for e in events}
    assert not trail_search(access=in31("dpo"), filters=TrailFilters(person="PSP-00-0000-0000"))


def test_filters_by_account_kind_and_period_combine(in31: Callable[[str], Access]) -> None:
    worker = in31("association_worker")
    dossier = prepare(worker)
    coordinator = in31("coordinator")
    person_get(access=coordinator, pk=dossier.person_id)
    dpo = in31("dpo")
    today = timezone.localdate()
    reads = trail_search(
        access=dpo,
        filters=TrailFilters(actor="coordinator.31@test.parcours", action="person.read"),
    )
    assert reads and all(e.actor_id == coordinator.user_id for e in reads)
    assert all(e.action == "person.read" for e in reads)
    assert trail_search(access=dpo, filters=TrailFilters(action="person.", since=today))
    assert not trail_search(access=dpo, filters=TrailFilters(until=today - dt.timedelta(days=400)))
    only_reads = trail_search(access=dpo, filters=TrailFilters(reads_only=True))
    assert only_reads and all("read" in e.action or "downloaded" in e.action for e in only_reads)


def test_each_search_is_audited_with_what_was_looked_for(in31: Callable[[str], Access]) -> None:
    dpo = in31("dpo")
    trail_search(access=dpo, filters=TrailFilters(action="person.", person="PSP-31"))
    last = AuditEvent.objects.order_by("-id").first()
    assert last is not None and last.action == "audit.trail_read"
    assert last.data == {"action": "person.", "person": "PSP-31"}


@pytest.mark.parametrize("role", ["coordinator", "prefet", "member", "association_worker"])
def test_only_the_dpo_reads_the_trail(in31: Callable[[str], Access], role: str) -> None:
    with pytest.raises(NotAllowed):
        trail_search(access=in31(role), filters=TrailFilters())
    with pytest.raises(NotAllowed):
        person_readers(access=in31(role), person_id=1)


def test_who_read_a_persons_file_grouped_by_account(in31: Callable[[str], Access]) -> None:
    worker = in31("association_worker")
    dossier = prepare(worker)
    coordinator = in31("coordinator")
    for _ in range(3):
        person_get(access=coordinator, pk=dossier.person_id)
    dossier_get(access=in31("prefet"), pk=dossier.pk)
    readers = person_readers(access=in31("dpo"), person_id=dossier.person_id)
    by_account = {r.actor_label: r for r in readers}
    assert by_account["coordinator.31@test.parcours"].reads == 3
    assert by_account["prefet.31@test.parcours"].reads == 1
    assert "dpo.31@test.parcours" not in by_account  # listing the readers is not reading
    with pytest.raises(NotInScope):
        person_readers(access=in31("dpo"), person_id=2_000_000_000)


def test_the_trail_names_no_identity(in31: Callable[[str], Access]) -> None:
    """The trail holds ids and codes: the name typed into the identity appears nowhere."""
    dossier = prepare(in31("association_worker"))
    person_get(access=in31("coordinator"), pk=dossier.person_id)
    events = trail_search(access=in31("dpo"), filters=TrailFilters())
    text = trail_csv(events=events)
    assert f";{dossier.pk};" in text or f";{dossier.person_id};" in text  # it did reach the file
    assert "Testeuse" not in text and "Amina" not in text


def test_the_csv_is_french_excel_dialect(in31: Callable[[str], Access]) -> None:
    prepare(in31("association_worker"))
    text = trail_csv(events=trail_search(access=in31("dpo"), filters=TrailFilters()))
    assert text.startswith("\ufeffid;date;compte;")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")


def test_a_page_of_the_trail_costs_a_constant_number_of_queries(
    in31: Callable[[str], Access], django_assert_num_queries: Callable[..., object]
) -> None:
    from tenants.privacy.selectors import trail_rows

    worker = in31("association_worker")
    dossier = prepare(worker)
    coordinator = in31("coordinator")
    for _ in range(5):
        person_get(access=coordinator, pk=dossier.person_id)
    dpo = in31("dpo")
    events = trail_search(access=dpo, filters=TrailFilters(person=dossier.person.pseudonym))
    # The page of events (the person's objects are subqueries of it), the actors' accounts.
    with django_assert_num_queries(2):  # type: ignore[operator]
        rows = trail_rows(events[:50])
    assert len({r.actor_label for r in rows}) >= 2
