"""Two people acting on the same file at once: one wins, the other is told, nothing is half-written.

The race tests commit for real (each thread has its own connection), hence `committed`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from parcours.accounts.permissions import Access
from parcours.audit.models import AuditEvent
from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.casework import workflow_hooks
from tenants.casework.models import Dossier, DossierEvent, Person
from tenants.casework.services import (
    CaseworkError,
    TransitionConflict,
    TransitionRequest,
    dossier_transition,
    person_create,
)
from tests.tenants.casework.conftest import access_as, prepare

MISSING = TransitionRequest(name="request_missing_items", data={}, comment="Pièce illisible")
COMPLETE = TransitionRequest(name="declare_complete", data={})
TARGET = {"request_missing_items": "incomplete", "declare_complete": "complete"}


@pytest.fixture
def tenant(
    committed: None, settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Tenant]:
    """Haute-Garonne's schema, with committed data; notifications are not sent to the broker."""
    settings.MEDIA_ROOT = str(tmp_path)
    monkeypatch.setattr(workflow_hooks, "enqueue_on_commit", lambda task, **kwargs: None)
    tenant = Tenant.objects.get(code="31")
    connection.set_tenant(tenant)
    yield tenant
    connection.set_schema_to_public()


@pytest.fixture
def submitted(tenant: Tenant) -> Dossier:
    worker = access_as("association_worker", "31")
    dossier = prepare(worker)
    return dossier_transition(
        access=worker, dossier_id=dossier.pk, request=TransitionRequest(name="submit", data={})
    )


def in_thread(tenant: Tenant, work: Callable[[], Any], outcomes: list[Any]) -> threading.Thread:
    """Run `work` on its own database connection, in the département's schema."""

    def target() -> None:
        from django.db import connection as own

        own.set_tenant(tenant)
        try:
            outcomes.append(work())
        except Exception as exc:  # the outcome is what the test looks at
            outcomes.append(exc)
        finally:
            own.close()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_transitions_one_wins_and_the_other_is_refused(
    tenant: Tenant, submitted: Dossier
) -> None:
    coordinator = access_as("coordinator", "31")
    events = DossierEvent.objects.filter(dossier=submitted).count()
    start = threading.Barrier(2, timeout=10)
    outcomes: list[Any] = []

    def fire(request: TransitionRequest) -> Callable[[], Any]:
        def work() -> Any:
            start.wait()
            return dossier_transition(access=coordinator, dossier_id=submitted.pk, request=request)

        return work

    threads = [in_thread(tenant, fire(request), outcomes) for request in (COMPLETE, MISSING)]
    for thread in threads:
        thread.join(timeout=20)

    [winner] = [o for o in outcomes if isinstance(o, Dossier)]
    [loser] = [o for o in outcomes if not isinstance(o, Dossier)]
    assert isinstance(loser, CaseworkError)
    assert isinstance(loser, TransitionConflict) or "n'est pas possible" in str(loser)
    submitted.refresh_from_db()
    assert submitted.state == winner.state
    assert DossierEvent.objects.filter(dossier=submitted).count() == events + 1
    [event] = DossierEvent.objects.filter(dossier=submitted).order_by("-id")[:1]
    assert TARGET[event.transition] == winner.state


@pytest.mark.django_db(transaction=True)
def test_a_file_being_changed_elsewhere_is_refused_at_once_and_nothing_is_written(
    tenant: Tenant, submitted: Dossier
) -> None:
    coordinator = access_as("coordinator", "31")
    events = DossierEvent.objects.filter(dossier=submitted).count()
    audited = AuditEvent.objects.count()
    locked, release = threading.Event(), threading.Event()
    outcomes: list[Any] = []

    def hold_the_row() -> str:
        with transaction.atomic():
            Dossier.objects.select_for_update().get(pk=submitted.pk)
            locked.set()
            release.wait(timeout=10)
        return "released"

    holder = in_thread(tenant, hold_the_row, outcomes)
    assert locked.wait(timeout=10)
    try:
        with pytest.raises(
            TransitionConflict, match="en cours de modification par une autre personne"
        ):
            dossier_transition(access=coordinator, dossier_id=submitted.pk, request=COMPLETE)
    finally:
        release.set()
        holder.join(timeout=20)

    assert outcomes == ["released"]
    submitted.refresh_from_db()
    assert submitted.state == "submitted"
    assert DossierEvent.objects.filter(dossier=submitted).count() == events
    assert AuditEvent.objects.count() == audited
    # Once the other person is done, the same action goes through.
    assert (
        dossier_transition(access=coordinator, dossier_id=submitted.pk, request=COMPLETE).state
        == "complete"
    )


@pytest.mark.django_db(transaction=True)
def test_persons_recorded_at_the_same_time_get_distinct_consecutive_pseudonyms(
    tenant: Tenant,
) -> None:
    worker = access_as("association_worker", "31")
    start = threading.Barrier(3, timeout=10)
    outcomes: list[Any] = []

    def record(first_name: str) -> Callable[[], Any]:
        def work() -> Any:
            start.wait()
            return person_create(
                access=worker,
                identity={"first_name": first_name, "last_name": "Simultanée"},
                children_count=0,
                languages=[],
            ).pseudonym

        return work

    threads = [in_thread(tenant, record(name), outcomes) for name in ("Ada", "Bea", "Cleo")]
    for thread in threads:
        thread.join(timeout=20)

    year = timezone.localdate().year
    assert sorted(outcomes) == [f"PSP-31-{year}-{n:04d}" for n in (1, 2, 3)]
    assert Person.objects.count() == 3


def test_a_transition_prepared_on_a_stale_page_is_refused_and_nothing_is_written(
    in31: Callable[[str], Access],
) -> None:
    worker, coordinator = in31("association_worker"), in31("coordinator")
    dossier = prepare(worker)
    dossier_transition(
        access=worker, dossier_id=dossier.pk, request=TransitionRequest(name="submit", data={})
    )
    events = DossierEvent.objects.filter(dossier=dossier).count()
    audited = AuditEvent.objects.count()

    with pytest.raises(TransitionConflict, match="Le dossier a changé entre-temps"):
        dossier_transition(
            access=coordinator,
            dossier_id=dossier.pk,
            request=TransitionRequest(
                name="declare_complete", data={}, expected_state="incomplete"
            ),
        )

    dossier.refresh_from_db()
    assert dossier.state == "submitted"
    assert DossierEvent.objects.filter(dossier=dossier).count() == events
    assert AuditEvent.objects.count() == audited
