"""parcours/audit/services.py and the table: a hash chain that PostgreSQL keeps append-only."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection, transaction
from django_tenants.utils import schema_context

from parcours.audit.models import GENESIS_HASH, AuditEvent
from parcours.audit.services import audit_record
from parcours.observability import request_id_var

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

SCHEMAS = ["public", "dep_31"]


@contextmanager
def _in(schema: str) -> Iterator[None]:
    with schema_context(schema):
        yield


@pytest.mark.parametrize("schema", SCHEMAS)
def test_each_event_chains_to_the_previous_one(schema: str) -> None:
    with _in(schema):
        events = [
            audit_record(action=f"test.step{n}", object_type="test", object_id=n) for n in range(3)
        ]
        stored = list(AuditEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("id"))

    assert [e.pk for e in stored] == [e.pk for e in events]
    for previous, following in itertools.pairwise(stored):
        assert following.prev_hash == previous.hash
    for event in stored:
        assert event.hash == event.compute_hash()
        assert len(event.hash) == 64


def test_first_event_of_an_empty_trail_starts_from_genesis(tenant31) -> None:
    with _in(tenant31.schema_name):
        assert not AuditEvent.objects.exists()  # a département's own trail starts empty
        first = audit_record(action="test.first")
        second = audit_record(action="test.second")

    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash


def test_trails_of_public_and_a_departement_are_separate_chains(tenant31) -> None:
    with _in("public"):
        public_last = AuditEvent.objects.order_by("-id").first()
        public_event = audit_record(action="test.public")
    with _in(tenant31.schema_name):
        tenant_event = audit_record(action="test.tenant")

    assert public_event.prev_hash == public_last.hash
    assert tenant_event.prev_hash == GENESIS_HASH
    with _in("public"):
        assert not AuditEvent.objects.filter(action="test.tenant").exists()


def test_event_keeps_the_request_id_and_its_fields() -> None:
    token = request_id_var.set("req-0123456789")
    try:
        with _in("public"):
            event = audit_record(
                action="test.fields",
                actor_id=7,
                actor_role="coordinator",
                object_type="person",
                object_id=12,
                reason="motif",
                data={"n": 1},
            )
    finally:
        request_id_var.reset(token)

    with _in("public"):
        event.refresh_from_db()
    assert (event.request_id, event.actor_id, event.actor_role, event.object_id) == (
        "req-0123456789",
        7,
        "coordinator",
        "12",
    )
    assert (event.reason, event.data) == ("motif", {"n": 1})
    assert event.hash == event.compute_hash()


def test_events_appended_together_are_stored_as_the_model_reads_them() -> None:
    """`_append` writes with its own statements: every column of each event, nested and
    accented JSON included, reads back through the model, and the objects are saved ones."""
    from parcours.audit.services import _append, _event

    events = [
        _event(
            action="test.batch",
            actor_id=n,
            actor_role="dpo",
            object_type="person",
            object_id=n,
            reason="demande d'accès",
            data={"parts": n, "liste": ["é", {"clé": None}]},
        )
        for n in range(3)
    ]
    with _in("dep_31"):
        _append(events=events)
        stored = {e.pk: e for e in AuditEvent.objects.filter(pk__in=[e.pk for e in events])}
    assert len(stored) == 3
    for event in events:
        assert event._state.adding is False
        again = stored[event.pk]
        for field in AuditEvent._meta.concrete_fields:
            assert getattr(again, field.attname) == getattr(event, field.attname), field.name
        assert again.hash == again.compute_hash()


def test_hash_covers_every_field() -> None:
    with _in("public"):
        event = audit_record(action="test.hash", object_id=1, data={"a": 1})
    original = event.hash

    for field, value in [
        ("action", "test.other"),
        ("actor_id", 99),
        ("object_id", "2"),
        ("reason", "x"),
        ("data", {"a": 2}),
        ("prev_hash", "f" * 64),
        ("request_id", "other"),
    ]:
        saved = getattr(event, field)
        setattr(event, field, value)
        assert event.compute_hash() != original, field
        setattr(event, field, saved)
    assert event.compute_hash() == original


@pytest.mark.parametrize("schema", SCHEMAS)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET reason = 'falsifié' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_database_refuses_to_change_or_remove_an_event(schema: str, statement: str) -> None:
    with _in(schema):
        event = audit_record(action="test.append_only")
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event.pk])
        event.refresh_from_db()

    assert event.reason == ""


@pytest.mark.parametrize("schema", SCHEMAS)
def test_orm_update_and_delete_are_refused_too(schema: str) -> None:
    with _in(schema):
        event = audit_record(action="test.append_only_orm")
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(reason="falsifié")
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
        assert AuditEvent.objects.filter(pk=event.pk, reason="").exists()
