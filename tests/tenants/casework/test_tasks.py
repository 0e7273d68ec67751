"""tenants/casework/tasks.py: the decision letter (with the appeal route) and pseudonymous e-mails."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from parcours.accounts.permissions import Access
from parcours.audit.models import AuditEvent
from parcours.storage import read_bytes
from tenants.casework import workflow_hooks
from tenants.casework.models import Document, Dossier
from tenants.casework.tasks import generate_decision_letter, notify_role
from tests.tenants.casework.conftest import prepare
from tests.tenants.casework.test_pathway import run, through_commission_and_decision

In31 = Callable[[str], Access]
# PostgreSQL refuses FOR UPDATE on the nullable side of the outer join to the (reverse one-to-one)
# period; the fix is select_for_update(of=("self",)) or leaving "period" out of select_related.
MOTIVATION = "Le projet d'insertion ne prévoit aucune démarche d'accès au logement."


def letter_text(dossier: Dossier) -> str:
    letter = Document.objects.get(dossier=dossier, doc_type="decision_letter")
    reader = PdfReader(io.BytesIO(read_bytes(letter.storage_name)))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def refused(in31: In31, dossier: Dossier) -> Dossier:
    coordinator = in31("coordinator")
    run(in31("association_worker"), dossier, "submit")
    run(coordinator, dossier, "declare_complete")
    run(coordinator, dossier, "schedule", session_on=timezone.localdate().isoformat())
    run(
        coordinator, dossier, "record_commission_avis",
        avis="unfavourable", votes_for=2, votes_against=9, abstentions=1,
    )  # fmt: skip
    return run(
        in31("prefet"), dossier, "refuse", motivation=MOTIVATION, grounds=["project_insufficient"]
    )


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    """Tasks the workflow effects queue, kept here instead of being sent to the broker."""
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(
        workflow_hooks, "enqueue_on_commit", lambda task, **kwargs: calls.append((task, kwargs))
    )
    return calls


def test_an_authorisation_letter_names_the_person_and_the_appeal_route(
    in31: In31, queued: list[tuple[Any, dict[str, Any]]]
) -> None:
    dossier = through_commission_and_decision(
        in31, prepare(in31("association_worker")), start_on=timezone.localdate()
    )
    assert (generate_decision_letter, {"dossier_id": dossier.pk}) in queued

    result = generate_decision_letter(dossier_id=dossier.pk)

    assert result == {"dossier": dossier.pk, "created": True}
    text = letter_text(dossier)
    assert "Amina Testeuse" in text
    assert dossier.person.pseudonym in text
    assert "autorisé pour une durée de six mois" in text
    assert "recours" in text
    assert "dans un délai de 2 mois" in text
    assert "tribunal administratif" in text
    letter = Document.objects.get(dossier=dossier, doc_type="decision_letter")
    assert letter.content_type == "application/pdf"
    assert AuditEvent.objects.filter(action="document.decision_letter_generated").count() == 1


def test_a_refusal_letter_states_the_motivation_and_the_appeal_route(
    in31: In31, queued: list
) -> None:
    dossier = refused(in31, prepare(in31("association_worker")))

    generate_decision_letter(dossier_id=dossier.pk)

    text = letter_text(dossier)
    assert "la demande est refusée" in text
    assert MOTIVATION in text
    assert "dans un délai de 2 mois" in text
    assert "tribunal administratif" in text


def test_the_decision_letter_is_generated_once(in31: In31, queued: list) -> None:
    dossier = through_commission_and_decision(
        in31, prepare(in31("association_worker")), start_on=timezone.localdate()
    )
    generate_decision_letter(dossier_id=dossier.pk)

    again = generate_decision_letter(dossier_id=dossier.pk)

    assert again == {"dossier": dossier.pk, "created": False}
    assert Document.objects.filter(dossier=dossier, doc_type="decision_letter").count() == 1
    assert AuditEvent.objects.filter(action="document.decision_letter_generated").count() == 1


def test_the_coordination_is_told_of_a_submission_by_pseudonym_only(
    in31: In31, queued: list[tuple[Any, dict[str, Any]]], mailoutbox: list
) -> None:
    dossier = run(in31("association_worker"), prepare(in31("association_worker")), "submit")
    [(task, kwargs)] = queued
    assert task is notify_role

    sent = notify_role(**kwargs)

    assert sent == 1
    [mail] = mailoutbox
    assert mail.to == ["coordinator.31@test.parcours"]
    assert dossier.person.pseudonym in mail.subject
    assert dossier.person.pseudonym in mail.body
    for name in ("Amina", "Testeuse"):
        assert name not in mail.subject
        assert name not in mail.body


def test_missing_items_are_asked_of_the_files_association_only(
    in31: In31, queued: list[tuple[Any, dict[str, Any]]], mailoutbox: list
) -> None:
    dossier = run(in31("association_worker"), prepare(in31("association_worker")), "submit")
    queued.clear()
    run(in31("coordinator"), dossier, "request_missing_items", comment="Pièce d'identité illisible")
    [(task, kwargs)] = queued

    task(**kwargs)

    [mail] = mailoutbox
    assert mail.to == ["association_worker.31@test.parcours"]
    assert dossier.person.pseudonym in mail.body
    assert "Amina" not in mail.body


def test_the_letter_never_locks_the_file_so_transitions_go_on_while_it_renders(
    in31: In31, queued: list
) -> None:
    """A transition takes the file's row with NOWAIT: a letter holding it for the seconds its
    PDF takes to render made the notification fail as "modified by someone else"."""
    from django.db import connection as django_connection
    from django.test.utils import CaptureQueriesContext

    dossier = through_commission_and_decision(
        in31, prepare(in31("association_worker")), start_on=timezone.localdate()
    )
    with CaptureQueriesContext(django_connection) as queries:
        generate_decision_letter(dossier_id=dossier.pk)

    locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert not [sql for sql in locks if '"casework_dossier"' in sql]
    assert any("pg_advisory_xact_lock" in q["sql"] for q in queries)
    assert generate_decision_letter(dossier_id=dossier.pk)["created"] is False
