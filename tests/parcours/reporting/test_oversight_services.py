"""parcours.reporting.oversight_services and the tasks that refresh the commissions' status."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.forms.models import model_to_dict

from parcours.db import connection
from parcours.reporting import tasks
from parcours.reporting.models import CommissionStatus
from parcours.reporting.oversight_services import commission_status_refresh
from tenants.statistics import tasks as departement_tasks
from tenants.statistics.services import commission_status_refresh_sync


@pytest.fixture
def sent(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The schemas `refresh_commission_status` is sent in, instead of a broker."""
    schemas: list[str] = []
    monkeypatch.setattr(
        departement_tasks.refresh_commission_status,
        "apply_async",
        lambda **kwargs: schemas.append(connection.schema_name),
    )
    return schemas


def _appoint_a_named_member(tenant) -> None:  # type: ignore[no-untyped-def]
    from parcours.accounts.models import User
    from tenants.commission.models import Member

    connection.set_tenant(tenant)
    Member.objects.create(
        user=User.objects.create_user(
            email="clemence.duvivier@membres.test",
            password=None,
            first_name="Clémence",
            last_name="Duvivier",
        ),
        college="magistrat",
        is_chair=True,
        arrete_reference="Arrêté 31-2025-12",
        arrete_on=dt.date(2025, 1, 1),
        mandate_start=dt.date(2025, 1, 1),
        mandate_end=dt.date(2099, 12, 31),
    )
    connection.set_schema_to_public()


def test_the_synchronous_refresh_writes_one_row_per_active_departement_and_replaces_it(
    db: None, base: None, tenant31
) -> None:
    _appoint_a_named_member(tenant31)
    assert commission_status_refresh_sync() == 3
    first = {
        s.departement: model_to_dict(s, exclude=["id"]) for s in CommissionStatus.objects.all()
    }
    assert set(first) == {"31", "75", "13"}
    assert first["31"]["chair_in_office"] and first["31"]["seats_filled"] == 1
    assert commission_status_refresh_sync() == 3
    again = {
        s.departement: model_to_dict(s, exclude=["id"]) for s in CommissionStatus.objects.all()
    }
    for row in (*first.values(), *again.values()):
        row.pop("computed_at")
    assert again == first


def test_no_name_reaches_the_public_row(db: None, base: None, tenant31) -> None:
    _appoint_a_named_member(tenant31)
    commission_status_refresh_sync()
    row = CommissionStatus.objects.get(departement="31")
    assert row.chair_in_office  # the named member was counted: the test reached them
    written = json.dumps(model_to_dict(row), default=str)
    for personal in ("Clémence", "Duvivier", "clemence", "Arrêté 31-2025-12"):
        assert personal not in written


def test_the_departement_task_is_idempotent(db: None, base: None, tenant31) -> None:
    connection.set_tenant(tenant31)
    try:
        for _ in range(2):
            result = departement_tasks.refresh_commission_status.apply().get()
    finally:
        connection.set_schema_to_public()
    assert result["code"] == "31"
    assert CommissionStatus.objects.filter(departement="31").count() == 1
    assert CommissionStatus.objects.count() == 1


def test_beat_fans_out_one_task_per_active_departement_in_its_schema(
    db: None, base: None, sent: list[str]
) -> None:
    assert tasks.refresh_all_commission_statuses.apply().get() == 3
    assert sorted(sent) == ["dep_13", "dep_31", "dep_75"]


def test_the_operator_s_refresh_is_audited_and_queued_on_commit(
    db: None, base: None, sent: list[str], django_capture_on_commit_callbacks
) -> None:
    from parcours.audit.models import AuditEvent

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert commission_status_refresh(actor_id=7) == 3
    assert sent == []  # nothing leaves before the request is recorded
    for callback in callbacks:
        callback()
    assert sorted(sent) == ["dep_13", "dep_31", "dep_75"]
    event = AuditEvent.objects.get(action="reporting.commission_status_refresh")
    assert event.actor_id == 7 and event.data == {"departements": 3}


def test_beat_refreshes_every_commission_each_morning() -> None:
    from parcours.celery import app

    entry = app.conf.beat_schedule["reporting-commission-status-every-morning"]
    assert entry["task"] == tasks.refresh_all_commission_statuses.name
    assert entry["task"] in app.tasks
