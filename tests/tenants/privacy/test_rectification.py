"""Rectifying an identity keeps its history: who changed what, when, why, values encrypted."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from parcours.accounts.permissions import Access
from parcours.audit.models import AuditEvent
from parcours.errors import NotAllowed, NotInScope, Refused
from tenants.casework.crypto import decrypt_json
from tenants.casework.models import Person
from tenants.privacy.errors import PrivacyError
from tenants.privacy.models import IdentityRevision
from tenants.privacy.selectors import identity_history
from tenants.privacy.services import person_identity_rectify
from tests.tenants.casework.conftest import prepare

pytestmark = pytest.mark.django_db


def _identity(person: Person) -> dict[str, str]:
    person.refresh_from_db()
    return decrypt_json(person.identity_encrypted, purpose=f"person:{person.pseudonym}:identity")


def test_a_rectification_changes_the_identity_and_keeps_who_what_when_why(
    in31: Callable[[str], Access],
) -> None:
    worker = in31("association_worker")
    person = prepare(worker).person
    revision = person_identity_rectify(
        access=in31("coordinator"),
        person_id=person.pk,
        changes={"last_name": "Testeuse-Martin", "first_name": "Amina"},
        reason="Nom d'usage après mariage, sur justificatif.",
    )
    assert revision is not None
    assert revision.fields == ["last_name"]  # the first name did not change
    assert _identity(person)["last_name"] == "Testeuse-Martin"
    assert _identity(person)["nationality"] == "NGA"  # the rest is kept
    # Stored encrypted: neither the old nor the new name nor the reason is in the row.
    row = IdentityRevision.objects.get(pk=revision.pk)
    stored = row.before_encrypted + row.after_encrypted + row.reason_encrypted
    assert "Testeuse" not in stored and "mariage" not in stored
    history = identity_history(access=in31("prefet"), person=person)
    assert history is not None and len(history) == 1
    change = history[0].changes[0]
    assert (change.label, change.before, change.after) == (
        "Nom",
        "Testeuse",
        "Testeuse-Martin",
    )
    assert history[0].reason == "Nom d'usage après mariage, sur justificatif."
    assert history[0].actor_id == in31("coordinator").user_id
    event = AuditEvent.objects.filter(action="person.identity_rectified").get()
    assert event.data["fields"] == ["last_name"] and "Testeuse" not in str(event.data)


def test_nothing_different_writes_nothing(in31: Callable[[str], Access]) -> None:
    worker = in31("association_worker")
    person = prepare(worker).person
    assert (
        person_identity_rectify(
            access=worker, person_id=person.pk, changes={"first_name": "Amina"}, reason="Vérifié"
        )
        is None
    )
    assert not IdentityRevision.objects.exists()


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"last_name": ""}, "Erreur", "last_name"),
        ({"birth_date": "2999-01-01"}, "Erreur", "birth_date"),
        ({"birth_date": "pas une date"}, "Erreur", "birth_date"),
        ({"nationality": "XXX"}, "Erreur", "nationality"),
        ({"sex": "Z"}, "Erreur", "sex"),
        ({"last_name": "\u202eevil"}, "Erreur", "last_name"),
        ({"last_name": "x" * 301}, "Erreur", "last_name"),
        ({"last_name": "Doe"}, "", "reason"),
        ({"last_name": "Doe"}, "\u202e", "reason"),
    ],
)
def test_an_invalid_rectification_is_refused_with_its_field_and_writes_nothing(
    in31: Callable[[str], Access], changes: dict[str, str], reason: str, field: str
) -> None:
    person = prepare(in31("association_worker")).person
    before = person.identity_encrypted
    with pytest.raises(Refused) as refused:
        person_identity_rectify(
            access=in31("coordinator"), person_id=person.pk, changes=changes, reason=reason
        )
    assert field in refused.value.fields
    assert Person.objects.get(pk=person.pk).identity_encrypted == before
    assert not IdentityRevision.objects.exists()


def test_an_unknown_field_is_refused(in31: Callable[[str], Access]) -> None:
    person = prepare(in31("association_worker")).person
    with pytest.raises(PrivacyError):
        person_identity_rectify(
            access=in31("coordinator"), person_id=person.pk, changes={"pseudonym": "X"}, reason="r"
        )


@pytest.mark.parametrize("role", ["prefet", "member", "dpo"])
def test_other_roles_may_not_rectify(in31: Callable[[str], Access], role: str) -> None:
    person = prepare(in31("association_worker")).person
    with pytest.raises(NotAllowed):
        person_identity_rectify(
            access=in31(role), person_id=person.pk, changes={"last_name": "X"}, reason="r"
        )


def test_a_person_out_of_scope_is_not_found(in31: Callable[[str], Access]) -> None:
    with pytest.raises(NotInScope):
        person_identity_rectify(
            access=in31("coordinator"),
            person_id=2_000_000_000,
            changes={"last_name": "X"},
            reason="r",
        )


def test_roles_without_identity_see_no_history(in31: Callable[[str], Access]) -> None:
    person = prepare(in31("association_worker")).person
    assert identity_history(access=in31("dpo"), person=person) is None
    assert identity_history(access=in31("member"), person=person) is None


def test_the_history_costs_two_queries_whatever_its_length(
    in31: Callable[[str], Access], django_assert_num_queries: Callable[..., object]
) -> None:
    coordinator = in31("coordinator")
    person = prepare(in31("association_worker")).person
    for name in ("A", "B", "C"):
        person_identity_rectify(
            access=coordinator, person_id=person.pk, changes={"last_name": name}, reason="r"
        )
    with django_assert_num_queries(2):  # type: ignore[operator]
        history = identity_history(access=coordinator, person=person)
    assert history is not None
    assert [h.changes[0].after for h in history] == ["C", "B", "A"]
    assert {h.actor_label for h in history} == {"coordinator.31@test.parcours"}
