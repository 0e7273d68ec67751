"""parcours/audit/services.py, reads: recorded once the view has answered, never lost."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from parcours.audit import services
from parcours.audit.models import AuditEvent
from parcours.audit.selectors import audit_chain_verify
from parcours.audit.services import audit_read, audit_record, reads_recorded_after
from parcours.observability import request_id_var
from tests.api.test_casework import plain_dossier
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]


def _reads(schema: str) -> list[AuditEvent]:
    with schema_context(schema):
        return list(AuditEvent.objects.filter(action="test.read").order_by("id"))


def test_outside_a_request_a_read_is_written_at_once() -> None:
    with schema_context("dep_31"):
        audit_read(action="test.read", actor_id=7, object_type="person", object_id=1)
    assert [e.actor_id for e in _reads("dep_31")] == [7]


def test_inside_a_request_reads_are_written_in_order_on_the_way_out_and_chain() -> None:
    token = request_id_var.set("req-reads")
    try:
        with reads_recorded_after():
            with schema_context("dep_31"):
                audit_read(action="test.read", actor_id=1, object_type="person", object_id=1)
                audit_record(action="test.change", actor_id=1)  # a change: written at once
                audit_read(action="test.read", actor_id=1, object_type="person", object_id=2)
            with schema_context("dep_75"):
                audit_read(action="test.read", actor_id=1, object_type="person", object_id=3)
            assert _reads("dep_31") == [] and _reads("dep_75") == []
    finally:
        request_id_var.reset(token)
    # Each schema's reads went to its own trail, in the order they were made, with the request.
    assert [e.object_id for e in _reads("dep_31")] == ["1", "2"]
    assert [e.object_id for e in _reads("dep_75")] == ["3"]
    assert {e.request_id for e in _reads("dep_31") + _reads("dep_75")} == {"req-reads"}
    for schema in ("dep_31", "dep_75"):
        with schema_context(schema):
            assert audit_chain_verify().ok


def test_a_page_that_read_a_file_is_not_sent_when_its_read_cannot_be_recorded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dossier = plain_dossier(last_name="Unrecorded")
    client = client_for("coordinator", "31")
    client.raise_request_exception = False
    page = client.get(f"/dossiers/{dossier.pk}/")
    assert page.status_code == 200  # recorded: served

    def refuse(*, events: list[AuditEvent]) -> None:
        raise RuntimeError("the trail cannot be written")

    monkeypatch.setattr(services, "_append", refuse)
    response = client.get(f"/dossiers/{dossier.pk}/")
    assert response.status_code == 500
    with schema_context("dep_31"):
        pseudonym = dossier.person.pseudonym
    assert pseudonym.encode() not in response.content


def test_a_page_reading_a_file_records_the_read_after_it_answered() -> None:
    dossier = plain_dossier(last_name="Recorded")
    client: Client = client_for("coordinator", "31")
    client.get(f"/dossiers/{dossier.pk}/")
    with schema_context("dep_31"):
        reads = AuditEvent.objects.filter(
            action="dossier.read", object_type="dossier", object_id=str(dossier.pk)
        )
        assert reads.count() == 1
        assert reads.get().request_id
        assert audit_chain_verify().ok
