"""After the sweep, nothing of an anonymised person is found anywhere the département keeps
data; the national statistics count her as before; the audit trail still verifies."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from infra.dev.seeding import demo
from parcours.audit.models import AuditEvent
from parcours.audit.selectors import audit_chain_verify
from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.casework.crypto import decrypt_json
from tenants.casework.models import (
    Document,
    Dossier,
    DossierEvent,
    InsertionProject,
    Lifecycle,
    NeedsEvaluation,
    Person,
    ProjectAction,
)
from tenants.commission.documents import minutes_pdf
from tenants.commission.models import Session
from tenants.privacy.services import (
    access_export_build,
    access_export_request,
    person_identity_rectify,
)
from tenants.retention.models import Outcome, RowResult, SweepStatus
from tenants.retention.services import person_anonymise, sweep_confirm
from tests.tenants.casework.conftest import access_as
from tests.tenants.retention.conftest import reported, run, two_years_ahead
from tests.tenants.retention.findings import haystack, pdf_text, stored_files


def _what_names(person: Person) -> set[str]:
    """What identifies the person and what was written about her, in plain text."""
    identity = decrypt_json(
        person.identity_encrypted, purpose=f"person:{person.pseudonym}:identity"
    )
    found = {identity.get(key) or "" for key in ("last_name", "phone", "address", "email")}
    dossiers = Dossier.objects.filter(person=person)
    for dossier in dossiers:
        found |= {dossier.association_avis_motivation, dossier.decision_motivation}
        found |= {dossier.missing_items}
    found |= set(
        DossierEvent.objects.filter(dossier__in=dossiers).values_list("comment", flat=True)
    )
    found |= set(
        InsertionProject.objects.filter(dossier__in=dossiers).values_list("commitments", flat=True)
    )
    found |= set(
        ProjectAction.objects.filter(project__dossier__in=dossiers).values_list(
            "description", flat=True
        )
    )
    for evaluation in NeedsEvaluation.objects.filter(dossier__in=dossiers).exclude(
        notes_encrypted=""
    ):
        found.add(
            decrypt_json(
                evaluation.notes_encrypted,
                purpose=f"dossier:{evaluation.dossier_id}:evaluation:{evaluation.domain}",
            )
        )
    return {text for text in found if text and len(text) >= 6}


def _rights_exercised(person: Person) -> set[str]:
    """The person's rights exercised: an identity rectified (its old and new values and the
    reason are kept encrypted) and an access export built (a JSON and a PDF naming her)."""
    reason = f"Justificatif de domicile fourni, demande {person.pk}-{person.pseudonym[::-1]}"
    person_identity_rectify(
        access=access_as("coordinator", "31"),
        person_id=person.pk,
        changes={"address": f"Résidence {person.pseudonym}, rue de la Rectification"},
        reason=reason,
    )
    export = access_export_request(access=access_as("coordinator", "31"), person_id=person.pk)
    access_export_build(export_id=export.pk)
    return {reason}


def test_on_the_demo_data_two_years_ahead_the_sweep_does_what_its_dry_run_listed_and_leaves_nothing(  # type: ignore[no-untyped-def]
    db, base, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    demo.demo_seed()
    connection.set_tenant(Tenant.objects.get(code="31"))
    session = Session.objects.get(status="closed")
    persons = list(Person.objects.order_by("pk"))
    rights = {p.pk: _rights_exercised(p) for p in persons}
    persons = list(Person.objects.order_by("pk"))
    said = {p.pk: _what_names(p) | rights[p.pk] for p in persons}
    pseudonyms = {p.pk: p.pseudonym for p in persons}
    pieces = {
        p.pk: set(Document.objects.filter(person=p).values_list("storage_name", flat=True))
        for p in persons
    }
    before = haystack()
    minutes_before = pdf_text(minutes_pdf(session=session))
    # Reached: before the sweep, everything searched for is there to be found.
    assert not [text for texts in said.values() for text in texts if text not in before]
    assert all(
        any(name.endswith(n) for name in stored_files()) for ns in pieces.values() for n in ns
    )
    assert any(pseudonym in minutes_before for pseudonym in pseudonyms.values())
    # The audit trail carries no identity to begin with.
    trail = "\n".join(str(e.data) + e.reason for e in AuditEvent.objects.all())
    assert not [text for texts in said.values() for text in texts if text in trail]

    dpo = access_as("dpo", "31")
    sweep = reported(dpo, today=two_years_ahead())
    listed = {row.person_id: row.outcome for row in sweep.rows.all()}
    assert set(listed) == {p.pk for p in persons}  # all of them were contacted today
    assert set(listed.values()) == {Outcome.ARCHIVE, Outcome.ANONYMISE}
    sweep_confirm(access=dpo, sweep_id=sweep.pk)
    with django_capture_on_commit_callbacks(execute=True):  # the exports' files go on commit
        done = run(sweep)

    assert done.status == SweepStatus.DONE
    assert set(done.rows.values_list("result", flat=True)) == {RowResult.DONE}
    expected = {
        pk: Lifecycle.ARCHIVED if outcome == Outcome.ARCHIVE else Lifecycle.ANONYMISED
        for pk, outcome in listed.items()
    }
    assert dict(Person.objects.values_list("pk", "lifecycle")) == expected
    gone = [pk for pk, state in expected.items() if state == Lifecycle.ANONYMISED]
    kept_texts = {t for pk, texts in said.items() if pk not in gone for t in texts}
    after = haystack()
    minutes_after = pdf_text(minutes_pdf(session=session))
    files = stored_files()
    for pk in gone:
        for text in said[pk] - kept_texts:
            assert text not in after, text
        assert pseudonyms[pk] not in minutes_after
        assert not [name for name in files if any(name.endswith(n) for n in pieces[pk])]
    assert audit_chain_verify().ok


def _rows(counts: list[Any]) -> list[tuple[str, str, str, int]]:
    return sorted((c.indicator, c.dimension or "", c.category or "", c.value) for c in counts)


@pytest.mark.parametrize("run_twice", [False, True])
def test_an_anonymised_person_is_counted_as_before_and_past_releases_keep_their_figures(  # type: ignore[no-untyped-def]
    db, base, tenant31, run_twice: bool
) -> None:
    from infra.dev.seeding.national import national_figures_seed
    from parcours.reporting.models import PublishedFigure
    from tenants.statistics.extraction import extract_counts
    from tenants.statistics.services import release_run_sync

    national_figures_seed(distribution={"31": 39})
    release = release_run_sync(period_kind="year", period_start=dt.date(2024, 1, 1), actor_id=None)
    published = sorted(
        PublishedFigure.objects.filter(release=release).values_list(
            "level", "code", "indicator", "dimension", "category", "value"
        )
    )
    year = {
        "snapshot": dt.date(2024, 12, 31),
        "period_start": dt.date(2024, 1, 1),
        "period_end": dt.date(2024, 12, 31),
    }
    connection.set_tenant(tenant31)
    counts = _rows(extract_counts(**year))
    for person in Person.objects.all():
        for _ in range(2 if run_twice else 1):
            person.refresh_from_db()
            if person.lifecycle != Lifecycle.ANONYMISED:
                person_anonymise(person=person, today=timezone.localdate(), sweep_id=None)
    assert not Person.objects.exclude(lifecycle=Lifecycle.ANONYMISED).exists()
    assert _rows(extract_counts(**year)) == counts
    connection.set_schema_to_public()
    assert (
        sorted(
            PublishedFigure.objects.filter(release=release).values_list(
                "level", "code", "indicator", "dimension", "category", "value"
            )
        )
        == published
    )
