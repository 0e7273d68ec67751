"""The notification of the préfet's decision: recorded by the coordination, it starts the delay
within which the person may appeal to the tribunal administratif (2 months, CJA R.421-1)."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from parcours.accounts.permissions import Access
from parcours.audit.models import AuditEvent
from parcours.french import french_date
from parcours.referentiel.calendar import delai_franc_last_day
from tenants.casework.models import Dossier
from tenants.casework.services import (
    CaseworkError,
    appeal_deadline,
    decision_notification_record,
)
from tests.tenants.casework.conftest import prepare
from tests.tenants.casework.test_pathway import run, through_commission_and_decision

In31 = Callable[[str], Access]
TODAY = timezone.localdate


@pytest.fixture
def decided(in31: In31) -> Dossier:
    """A first request the préfet authorised today."""
    return through_commission_and_decision(
        in31, prepare(in31("association_worker")), start_on=TODAY()
    )


def record(access: Access, dossier: Dossier, *, notified_on, channel="hand", acknowledged_on=None):  # type: ignore[no-untyped-def]
    return decision_notification_record(
        access=access,
        dossier_id=dossier.pk,
        notified_on=notified_on,
        channel=channel,
        acknowledged_on=acknowledged_on,
    )


def nothing_recorded(dossier: Dossier) -> bool:
    dossier.refresh_from_db()
    return (
        dossier.notified_on is None
        and dossier.notification_channel == ""
        and dossier.notification_acknowledged_on is None
    )


def test_the_coordination_records_the_notification_and_the_appeal_delay_starts(
    in31: In31, decided: Dossier
) -> None:
    today = TODAY()

    dossier = record(
        in31("coordinator"), decided, notified_on=today, channel="mail", acknowledged_on=today
    )

    dossier.refresh_from_db()
    assert (dossier.notified_on, dossier.notification_channel) == (today, "mail")
    assert dossier.notification_acknowledged_on == today
    assert appeal_deadline(dossier=dossier) == delai_franc_last_day(
        start=today, months=2, departement_code="31"
    )
    event = AuditEvent.objects.filter(action="dossier.notification_recorded").get()
    assert (event.object_id, event.actor_role, event.data) == (
        str(dossier.pk),
        "coordinator",
        {"channel": "mail"},
    )


def test_a_refusal_is_notified_too(in31: In31) -> None:
    coordinator, worker = in31("coordinator"), in31("association_worker")
    dossier = prepare(worker)
    run(worker, dossier, "submit")
    run(coordinator, dossier, "declare_complete")
    run(coordinator, dossier, "schedule", session_on=TODAY().isoformat())
    run(
        coordinator, dossier, "record_commission_avis",
        avis="unfavourable", votes_for=2, votes_against=9, abstentions=0,
    )  # fmt: skip
    run(
        in31("prefet"), dossier, "refuse",
        motivation="Le projet d'insertion ne prévoit aucune démarche concrète.",
        grounds=["project_insufficient"],
    )  # fmt: skip

    notified = record(coordinator, dossier, notified_on=TODAY(), channel="association")

    assert appeal_deadline(dossier=notified) == delai_franc_last_day(
        start=TODAY(), months=2, departement_code="31"
    )
    assert appeal_deadline(dossier=notified) > TODAY() + relativedelta(months=2)


@pytest.mark.parametrize("role", ["prefet", "association_worker", "member", "dpo"])
def test_only_the_coordination_records_the_notification(
    in31: In31, decided: Dossier, role: str
) -> None:
    with pytest.raises(CaseworkError, match="La notification est enregistrée par la coordination"):
        record(in31(role), decided, notified_on=TODAY())

    assert nothing_recorded(decided)


@pytest.mark.parametrize("state", ["draft", "submitted", "avis_given"])
def test_there_is_nothing_to_notify_before_the_decision(in31: In31, state: str) -> None:
    coordinator, worker = in31("coordinator"), in31("association_worker")
    dossier = prepare(worker)
    if state != "draft":
        run(worker, dossier, "submit")
    if state == "avis_given":
        run(coordinator, dossier, "declare_complete")
        run(coordinator, dossier, "schedule", session_on=TODAY().isoformat())
        run(
            coordinator, dossier, "record_commission_avis",
            avis="favourable", votes_for=9, votes_against=2, abstentions=1,
        )  # fmt: skip

    with pytest.raises(CaseworkError, match="Aucune décision à notifier"):
        record(coordinator, dossier, notified_on=TODAY())

    assert nothing_recorded(dossier)


@pytest.mark.parametrize(
    ("notified", "acknowledged", "message", "field"),
    [
        (1, None, "ne peuvent pas être dans le futur", "notified_on"),
        (0, 1, "ne peuvent pas être dans le futur", "notified_on"),
        (0, -1, "L'accusé de réception ne peut pas précéder la notification", "acknowledged_on"),
        (-1, None, "La notification ne peut pas précéder la décision", "notified_on"),
    ],
    ids=[
        "notified-tomorrow",
        "acknowledged-tomorrow",
        "acknowledged-before-notified",
        "notified-before-the-decision",
    ],
)
def test_impossible_dates_are_refused(
    in31: In31, decided: Dossier, notified: int, acknowledged: int | None, message: str, field: str
) -> None:
    today = TODAY()

    with pytest.raises(CaseworkError, match=message) as refusal:
        record(
            in31("coordinator"),
            decided,
            notified_on=today + dt.timedelta(days=notified),
            acknowledged_on=None
            if acknowledged is None
            else today + dt.timedelta(days=acknowledged),
        )

    assert field in refusal.value.fields
    assert nothing_recorded(decided)


def test_an_unknown_channel_is_refused(in31: In31, decided: Dossier) -> None:
    with pytest.raises(CaseworkError, match="Mode de notification inconnu"):
        record(in31("coordinator"), decided, notified_on=TODAY(), channel="pigeon")

    assert nothing_recorded(decided)


def test_the_notification_can_follow_a_decision_taken_earlier(in31: In31, decided: Dossier) -> None:
    decided_on = TODAY() - dt.timedelta(days=20)
    Dossier.objects.filter(pk=decided.pk).update(
        decided_at=decided.decided_at - dt.timedelta(days=20)
    )

    dossier = record(in31("coordinator"), decided, notified_on=decided_on + dt.timedelta(days=3))

    assert dossier.notified_on == decided_on + dt.timedelta(days=3)


# --- The appeal deadline ------------------------------------------------------------------------


def test_there_is_no_appeal_deadline_until_the_decision_is_notified(db: None, base: None) -> None:
    assert appeal_deadline(dossier=Dossier(notified_on=None)) is None


@pytest.mark.parametrize(
    ("notified_on", "deadline"),
    [
        # Franc: the day after the same date two months later (a Thursday here).
        (dt.date(2024, 3, 15), dt.date(2024, 5, 16)),
        # No 31 February: the month's last day, then the next day, a Saturday: Monday.
        (dt.date(2024, 12, 31), dt.date(2025, 3, 3)),
        (dt.date(2023, 12, 31), dt.date(2024, 3, 1)),  # leap year: 29 February, then 1 March
        (dt.date(2025, 11, 30), dt.date(2026, 2, 2)),  # across the year, past a weekend
        (dt.date(2025, 5, 13), dt.date(2025, 7, 15)),  # 14 July, a Monday, is not worked
    ],
)
def test_the_appeal_deadline_is_a_delai_franc_of_two_months(
    in31: In31, notified_on: dt.date, deadline: dt.date
) -> None:
    assert appeal_deadline(dossier=Dossier(notified_on=notified_on)) == deadline


def test_the_appeal_delay_runs_from_the_acknowledgement_of_receipt(in31: In31) -> None:
    sent_and_received = Dossier(
        notified_on=dt.date(2024, 3, 15), notification_acknowledged_on=dt.date(2024, 3, 18)
    )
    # 18 May + 1 is a Sunday, then Whit Monday (20 May 2024): Tuesday 21 May.
    assert appeal_deadline(dossier=sent_and_received) == dt.date(2024, 5, 21)


# --- The page ----------------------------------------------------------------------------------


def test_the_coordination_records_the_notification_from_the_files_page(
    in31: In31, decided: Dossier, login
) -> None:  # type: ignore[no-untyped-def]
    today = TODAY()
    client = login("coordinator", "31")

    response = client.post(
        f"/dossiers/{decided.pk}/notification/",
        {"notified_on": today.isoformat(), "channel": "hand", "acknowledged_on": ""},
        follow=True,
    )

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "le délai de recours court" in page
    deadline = delai_franc_last_day(start=today, months=2, departement_code="31")
    assert f"Recours possible jusqu'au {french_date(deadline)}" in page
    decided.refresh_from_db()
    assert (decided.notified_on, decided.notification_channel) == (today, "hand")


def test_a_refused_notification_is_explained_on_the_files_page(
    in31: In31, decided: Dossier, login
) -> None:  # type: ignore[no-untyped-def]
    response = login("coordinator", "31").post(
        f"/dossiers/{decided.pk}/notification/",
        {"notified_on": (TODAY() + dt.timedelta(days=3)).isoformat(), "channel": "hand"},
        follow=True,
    )

    assert "ne peuvent pas être dans le futur" in html.unescape(response.content.decode())
    assert nothing_recorded(decided)


@pytest.mark.parametrize("role", ["prefet", "association_worker"])
def test_only_the_coordination_posts_the_notification_page(
    in31: In31, decided: Dossier, login, role: str
) -> None:  # type: ignore[no-untyped-def]
    response = login(role, "31").post(
        f"/dossiers/{decided.pk}/notification/",
        {"notified_on": TODAY().isoformat(), "channel": "hand"},
    )

    assert response.status_code == 403
    assert nothing_recorded(decided)


# --- The API -----------------------------------------------------------------------------------


def test_the_coordination_records_the_notification_through_the_api(
    in31: In31, decided: Dossier, login
) -> None:  # type: ignore[no-untyped-def]
    today = TODAY()
    url = f"/api/v1/dossiers/{decided.pk}/notification/"
    client = login("coordinator", "31")

    refused = client.post(
        url,
        {"notified_on": (today + dt.timedelta(days=1)).isoformat(), "channel": "mail"},
        content_type="application/json",
    )
    accepted = client.post(
        url, {"notified_on": today.isoformat(), "channel": "mail"}, content_type="application/json"
    )

    error = refused.json()["error"]
    assert (refused.status_code, error["code"]) == (400, "refused")
    assert error["fields"]["notified_on"] == ["Date dans le futur."]
    assert accepted.status_code == 200
    assert accepted.json()["id"] == decided.pk
    assert accepted.json()["appeal_deadline"] == (
        delai_franc_last_day(start=today, months=2, departement_code="31").isoformat()
    )
    decided.refresh_from_db()
    assert (decided.notified_on, decided.notification_channel) == (today, "mail")


@pytest.mark.parametrize("role", ["prefet", "association_worker"])
def test_only_the_coordination_records_the_notification_through_the_api(
    in31: In31, decided: Dossier, login, role: str
) -> None:  # type: ignore[no-untyped-def]
    response = login(role, "31").post(
        f"/api/v1/dossiers/{decided.pk}/notification/",
        {"notified_on": TODAY().isoformat(), "channel": "mail"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert nothing_recorded(decided)
