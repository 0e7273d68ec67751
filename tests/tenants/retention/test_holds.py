"""Legal holds: set and lifted by the DPO with a reason; a held person is archived, never
anonymised."""

from __future__ import annotations

import pytest
from django.utils import timezone

from parcours.audit.models import AuditEvent
from tenants.casework.models import Lifecycle, Person
from tenants.retention.errors import RetentionError
from tenants.retention.models import LegalHold, Outcome
from tenants.retention.services import legal_hold_lift, legal_hold_set, sweep_confirm
from tests.tenants.retention.conftest import forgotten_person, reported, run


def test_the_dpo_sets_and_lifts_a_hold_with_reasons_and_the_trail_keeps_no_reason(in31) -> None:  # type: ignore[no-untyped-def]
    person = forgotten_person(in31("association_worker"))
    dpo = in31("dpo")
    hold = legal_hold_set(
        access=dpo, person_id=person.pk, reason="Recours contentieux en cours (TA Toulouse)"
    )
    assert hold.is_standing and hold.set_by_id == dpo.user_id
    lifted = legal_hold_lift(access=dpo, hold_id=hold.pk, reason="Jugement définitif rendu")
    assert lifted.lifted_at is not None and lifted.lift_reason == "Jugement définitif rendu"
    events = AuditEvent.objects.filter(action__startswith="retention.hold")
    assert [e.action for e in events.order_by("id")] == [
        "retention.hold_set",
        "retention.hold_lifted",
    ]
    assert not [e for e in events if "Toulouse" in str(e.data) + e.reason]


@pytest.mark.parametrize("role", ["coordinator", "prefet", "association_worker", "member"])
def test_only_the_dpo_holds_data(in31, role: str) -> None:  # type: ignore[no-untyped-def]
    person = forgotten_person(in31("association_worker"))
    with pytest.raises(RetentionError) as refused:
        legal_hold_set(access=in31(role), person_id=person.pk, reason="Une raison suffisante")
    assert refused.value.forbidden
    assert not LegalHold.objects.exists()


@pytest.mark.parametrize("reason", ["", "court", "x" * 2001, "Motif\x00 caché ici"])
def test_a_hold_needs_a_real_reason(in31, reason: str) -> None:  # type: ignore[no-untyped-def]
    person = forgotten_person(in31("association_worker"))
    with pytest.raises(RetentionError):
        legal_hold_set(access=in31("dpo"), person_id=person.pk, reason=reason)
    assert not LegalHold.objects.exists()


def test_one_standing_hold_per_person_and_a_lifted_one_is_not_lifted_twice(in31) -> None:  # type: ignore[no-untyped-def]
    person = forgotten_person(in31("association_worker"))
    dpo = in31("dpo")
    hold = legal_hold_set(access=dpo, person_id=person.pk, reason="Réquisition judiciaire")
    with pytest.raises(RetentionError, match="déjà posé"):
        legal_hold_set(access=dpo, person_id=person.pk, reason="Réquisition judiciaire")
    legal_hold_lift(access=dpo, hold_id=hold.pk, reason="Réquisition close")
    with pytest.raises(RetentionError, match="déjà levé"):
        legal_hold_lift(access=dpo, hold_id=hold.pk, reason="Réquisition close")
    legal_hold_set(access=dpo, person_id=person.pk, reason="Nouvelle réquisition judiciaire")
    assert LegalHold.objects.filter(person=person).count() == 2


def test_a_held_person_is_archived_and_a_hold_set_after_the_report_still_saves_her(in31) -> None:  # type: ignore[no-untyped-def]
    worker, dpo = in31("association_worker"), in31("dpo")
    held = forgotten_person(worker, first="Gardée")
    late = forgotten_person(worker, first="Tardive")
    legal_hold_set(access=dpo, person_id=held.pk, reason="Recours contentieux en cours")
    sweep = reported(dpo, today=timezone.localdate())
    outcomes = {row.person_id: row.outcome for row in sweep.rows.all()}
    assert outcomes[held.pk] == Outcome.ARCHIVE
    assert outcomes[late.pk] == Outcome.ANONYMISE
    legal_hold_set(access=dpo, person_id=late.pk, reason="Réquisition arrivée après le rapport")
    sweep_confirm(access=dpo, sweep_id=sweep.pk)
    run(sweep)
    assert Person.objects.get(pk=held.pk).lifecycle == Lifecycle.ARCHIVED
    assert Person.objects.get(pk=late.pk).lifecycle == Lifecycle.ARCHIVED
    assert "au lieu" in sweep.rows.get(person=late).result_note
