"""The processing-delay clock: it runs from submission, pauses while items are awaited, stops at the decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from parcours.accounts.permissions import Access
from tenants.casework.models import Dossier
from tenants.casework.services import TransitionRequest, dossier_transition, processing_days
from tests.tenants.casework.conftest import prepare

In31 = Callable[[str], Access]
DAY = dt.timedelta(days=1)
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def fire(access: Access, dossier: Dossier, name: str, comment: str = "") -> Dossier:
    return dossier_transition(
        access=access,
        dossier_id=dossier.pk,
        request=TransitionRequest(name=name, data={}, comment=comment),
    )


def shift(dossier: Dossier, **fields: dt.datetime) -> None:
    """Pretend time went by: move the clock's marks as if they had been set earlier."""
    Dossier.objects.filter(pk=dossier.pk).update(**fields)
    dossier.refresh_from_db()


@pytest.mark.parametrize(
    ("submitted", "paused", "paused_since", "decided", "days"),
    [
        pytest.param(10, 0, None, None, 10, id="running"),
        pytest.param(10, 4, None, None, 6, id="paused-before"),
        pytest.param(10, 0, 3, None, 7, id="paused-now"),
        pytest.param(10, 4, 3, None, 3, id="paused-before-and-now"),
        pytest.param(10, 0, None, 2, 8, id="stopped-by-the-decision"),
        pytest.param(10, 2, None, 2, 6, id="paused-then-decided"),
    ],
)
def test_processing_days_count_the_days_the_administration_had_the_file(
    submitted: int, paused: int, paused_since: int | None, decided: int | None, days: int
) -> None:
    dossier = Dossier(
        submitted_at=NOW - submitted * DAY,
        paused_seconds=paused * 86400,
        clock_paused_since=NOW - paused_since * DAY if paused_since is not None else None,
        decided_at=NOW - decided * DAY if decided is not None else None,
    )

    assert processing_days(dossier=dossier, now=NOW) == days


def test_processing_days_are_unknown_before_submission() -> None:
    assert processing_days(dossier=Dossier(), now=NOW) is None


def test_the_time_spent_waiting_for_missing_items_is_not_counted(in31: In31) -> None:
    worker, coordinator = in31("association_worker"), in31("coordinator")
    dossier = prepare(worker)
    assert processing_days(dossier=dossier) is None

    dossier = fire(worker, dossier, "submit")
    now = timezone.now()
    shift(dossier, submitted_at=now - 10 * DAY)
    assert processing_days(dossier=dossier, now=now) == 10

    dossier = fire(
        coordinator, dossier, "request_missing_items", comment="Pièce d'identité illisible"
    )
    shift(dossier, clock_paused_since=now - 4 * DAY)
    assert processing_days(dossier=dossier, now=now) == 6
    assert processing_days(dossier=dossier, now=now + 30 * DAY) == 6  # still waiting: paused

    dossier = fire(worker, dossier, "submit")  # the items arrive: the clock runs again
    dossier.refresh_from_db()
    assert dossier.clock_paused_since is None
    assert 4 * 86400 <= dossier.paused_seconds < 4 * 86400 + 60
    assert dossier.submitted_at == now - 10 * DAY  # the first submission still counts
    assert processing_days(dossier=dossier, now=timezone.now()) == 6
    assert processing_days(dossier=dossier, now=timezone.now() + 2 * DAY) == 8


def test_the_clock_stops_when_the_request_is_withdrawn(in31: In31) -> None:
    worker = in31("association_worker")
    dossier = fire(worker, prepare(worker), "submit")
    now = timezone.now()
    shift(dossier, submitted_at=now - 5 * DAY)

    dossier = fire(worker, dossier, "withdraw", comment="La personne déménage")
    dossier.refresh_from_db()

    assert dossier.state == "withdrawn"
    assert processing_days(dossier=dossier, now=now + 30 * DAY) == 5
