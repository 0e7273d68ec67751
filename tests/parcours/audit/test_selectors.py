"""parcours/audit/selectors.py and the audit_verify command: tampering is found and reported."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from parcours.audit.models import AuditEvent
from parcours.audit.selectors import audit_chain_verify, audit_events_since
from parcours.audit.services import audit_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

SCHEMAS = ["public", "dep_31"]


def _tamper(event_id: int, sql_set: str = "reason = 'falsifié'") -> None:
    """What someone with the table owner's rights could do: bypass the trigger and edit a row."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(f"UPDATE audit_auditevent SET {sql_set} WHERE id = %s", [event_id])
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def _three_events() -> list[AuditEvent]:
    return [audit_record(action=f"test.verify{n}") for n in range(3)]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_intact_chain_is_reported_ok(schema: str) -> None:
    with schema_context(schema):
        _three_events()
        result = audit_chain_verify()
        total = AuditEvent.objects.count()

    assert result.ok
    assert result.events == total >= 3
    assert result.first_broken_id is None


def test_empty_chain_is_ok(tenant31) -> None:
    with schema_context(tenant31.schema_name):
        result = audit_chain_verify()

    assert (result.ok, result.events) == (True, 0)


@pytest.mark.parametrize("schema", SCHEMAS)
def test_edited_event_is_reported_by_its_id(schema: str) -> None:
    with schema_context(schema):
        _, middle, _ = _three_events()
        _tamper(middle.pk)
        result = audit_chain_verify(batch_size=2)

    assert not result.ok
    assert result.first_broken_id == middle.pk
    assert result.problem == "content does not match its hash"


@pytest.mark.parametrize("schema", SCHEMAS)
def test_rehashed_event_breaks_the_link_to_the_next(schema: str) -> None:
    """Recomputing the edited row's hash is not enough: the next event no longer points to it."""
    with schema_context(schema):
        _, middle, last = _three_events()
        middle.reason = "falsifié"
        forged = middle.compute_hash()
        _tamper(middle.pk, f"reason = 'falsifié', hash = '{forged}'")
        result = audit_chain_verify()

    assert result.first_broken_id == last.pk
    assert result.problem == "previous hash does not match"


def test_removed_event_is_found(tenant31) -> None:
    with schema_context(tenant31.schema_name):
        _, middle, last = _three_events()
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [middle.pk])
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
        result = audit_chain_verify()

    assert (result.ok, result.first_broken_id) == (False, last.pk)


def test_command_prints_chain_intact_for_every_schema() -> None:
    out = StringIO()

    call_command("audit_verify", stdout=out)

    lines = out.getvalue().splitlines()
    assert {line.split(":")[0] for line in lines} == {"public", "dep_31", "dep_75", "dep_13"}
    assert all(line.endswith("chain intact") for line in lines)


def test_command_fails_and_names_the_broken_schema(tenant31) -> None:
    with schema_context(tenant31.schema_name):
        event = _three_events()[1]
        _tamper(event.pk)
    out = StringIO()

    with pytest.raises(CommandError, match="Broken audit chain in: dep_31"):
        call_command("audit_verify", "--schema", "public", "--schema", "dep_31", stdout=out)

    assert "public: " in out.getvalue() and "chain intact" in out.getvalue()
    assert f"dep_31: 2 events, BROKEN at event {event.pk} (content does not match" in out.getvalue()


def test_events_since_counts_only_the_current_schema(tenant31) -> None:
    since = timezone.now() - dt.timedelta(seconds=1)
    with schema_context(tenant31.schema_name):
        _three_events()
        assert audit_events_since(since=since) == 3
        assert audit_events_since(since=timezone.now() + dt.timedelta(minutes=1)) == 0
