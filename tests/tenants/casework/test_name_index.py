"""Search by name without names in clear (tenants/casework/name_index.py): the normalisation,
the keyed tokens, and the writers that keep them (creation, rectification, anonymisation, key
rotation, the rebuild command)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection as django_connection
from django.utils import timezone

from parcours.accounts.permissions import Access
from parcours.audit.models import AuditEvent
from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.casework import crypto
from tenants.casework.models import Person, PersonNameToken
from tenants.casework.name_index import name_parts, persons_named_q, token, typed_parts
from tenants.casework.selectors import person_search, persons_visible
from tenants.casework.services import person_create
from tenants.privacy import key_rotation
from tenants.privacy.services import person_identity_rectify
from tenants.retention.sweeps import person_anonymise

In31 = Callable[[str], Access]


@pytest.fixture(autouse=True)
def _keys_forgotten(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(crypto, "KEY_REFRESH_SECONDS", 0.0)
    crypto.forget_keys()
    yield
    crypto.forget_keys()


def _person(worker: Access, first: str, last: str) -> Person:
    return person_create(
        access=worker,
        identity={"first_name": first, "last_name": last, "birth_date": "1991-06-15"},
        children_count=0,
        languages=["fr"],
    )


def _found(access: Access, text: str) -> set[str]:
    return set(
        persons_visible(access=access)
        .filter(person_search(access=access, text=text))
        .values_list("pseudonym", flat=True)
    )


@pytest.mark.parametrize(
    "text, parts",
    [
        ("Marie-Claire Dupont", ["marie", "claire", "marieclaire", "dupont"]),
        ("  ÉLOÏSE   d'Arc ", ["eloise", "d", "arc", "darc"]),
        ("N’Diaye", ["n", "diaye", "ndiaye"]),
        ("Straße", ["strasse"]),
        ("Anne anne", ["anne"]),
        ("", []),
    ],
)
def test_a_name_is_split_into_plain_lower_case_parts(text: str, parts: list[str]) -> None:
    assert name_parts(text) == parts


def test_a_search_asks_for_the_parts_typed_not_the_joined_word() -> None:
    assert typed_parts("DUPONT marie-claire") == ["dupont", "marie", "claire"]
    assert typed_parts(" - ' ") == []


@pytest.mark.parametrize(
    "typed",
    ["dupont marie", "DUPONT", "Marie Claire", "marie-claire", "marieclaire", "claire  dupont"],
)
def test_marie_claire_dupont_is_found_in_any_order_and_case(in31: In31, typed: str) -> None:
    worker = in31("association_worker")
    wanted = _person(worker, "Marie-Claire", "Dupont")
    _person(worker, "Marie", "Martin")
    assert _found(worker, typed) == {wanted.pseudonym}
    assert _found(in31("coordinator"), typed) == {wanted.pseudonym}


@pytest.mark.parametrize("typed", ["eloise", "ELOISE", "Éloïse", "eloïse n'diaye", "ndiaye"])
def test_accents_and_apostrophes_do_not_matter(in31: In31, typed: str) -> None:
    worker = in31("association_worker")
    wanted = _person(worker, "Éloïse", "N'Diaye")
    assert _found(worker, typed) == {wanted.pseudonym}


@pytest.mark.parametrize("typed", ["dup", "marie dupond", "claire martin", "dupont x"])
def test_every_part_typed_must_be_a_whole_part_of_the_name(in31: In31, typed: str) -> None:
    worker = in31("association_worker")
    _person(worker, "Marie-Claire", "Dupont")
    assert _found(worker, typed) == set()


def test_the_pseudonym_is_still_searched_and_the_prefet_does_not_search_names(
    in31: In31,
) -> None:
    worker = in31("association_worker")
    person = _person(worker, "Marie-Claire", "Dupont")
    prefet = in31("prefet")
    assert _found(prefet, person.pseudonym) == {person.pseudonym}
    assert _found(prefet, "dupont") == set()
    before = AuditEvent.objects.filter(action="person.name_search").count()
    assert _found(worker, "dupont") == {person.pseudonym}
    event = AuditEvent.objects.filter(action="person.name_search").latest("id")
    assert AuditEvent.objects.filter(action="person.name_search").count() == before + 1
    assert "dupont" not in str(event.data).lower()  # the trail keeps no name typed


def test_the_table_holds_no_name_in_clear(in31: In31) -> None:
    worker = in31("association_worker")
    person = _person(worker, "Marie-Claire", "Dupont")
    with django_connection.cursor() as cursor:
        cursor.execute(
            "SELECT token, key_id FROM casework_personnametoken WHERE person_id = %s", [person.pk]
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT identity_encrypted FROM casework_person WHERE id = %s", [person.pk])
        [(identity,)] = cursor.fetchall()
    assert len(rows) == 4  # marie, claire, marieclaire, dupont
    stored = " ".join(str(value) for row in rows for value in row).lower()
    for part in ["marie", "claire", "dupont"]:
        assert part not in stored and part not in identity.lower()
    # What is stored is the keyed hash of each part under the département's derived key.
    ring = crypto.keyring()
    assert {t for t, _ in rows} == {
        token(ring.name_keys[ring.current], p) for p in name_parts("Marie-Claire Dupont")
    }
    # ... derived, never the encryption key itself.
    assert all(len(k) == 32 for k in ring.name_keys.values())


def test_another_departements_key_gives_other_tokens(in31: In31) -> None:
    worker = in31("association_worker")
    _person(worker, "Marie-Claire", "Dupont")
    ours = set(PersonNameToken.objects.values_list("token", flat=True))
    ring31 = crypto.keyring()
    connection.set_tenant(Tenant.objects.get(code="75"))
    try:
        ring75 = crypto.keyring()
        theirs = {
            token(ring75.name_keys[ring75.current], p) for p in name_parts("Marie-Claire Dupont")
        }
        found = persons_named_q("marie dupont")
        assert found is not None and not Person.objects.filter(found).exists()
    finally:
        connection.set_tenant(Tenant.objects.get(code="31"))
    assert ring31.name_keys != ring75.name_keys
    assert ours and not ours & theirs


def test_a_rectified_name_is_found_by_the_new_name_only(in31: In31) -> None:
    worker = in31("association_worker")
    person = _person(worker, "Marie", "Dupont")
    person_identity_rectify(
        access=worker,
        person_id=person.pk,
        changes={"last_name": "Durand"},
        reason="Erreur de saisie",
    )
    assert _found(worker, "marie durand") == {person.pseudonym}
    assert _found(worker, "dupont") == set()


def test_an_anonymised_person_is_found_by_no_name(in31: In31) -> None:
    worker = in31("association_worker")
    person = _person(worker, "Marie", "Dupont")
    person_anonymise(person=person, today=timezone.localdate(), sweep_id=None)
    assert not PersonNameToken.objects.filter(person=person).exists()
    name_index_from_command()
    assert not PersonNameToken.objects.filter(person=person).exists()  # the rebuild neither


def name_index_from_command() -> None:
    code = connection.tenant.code
    connection.set_schema_to_public()
    try:
        call_command("name_index_rebuild", code, stdout=open("/dev/null", "w"))  # noqa: SIM115
    finally:
        connection.set_tenant(Tenant.objects.get(code=code))


def test_the_rebuild_command_indexes_existing_persons(in31: In31) -> None:
    worker = in31("association_worker")
    person = _person(worker, "Éloïse", "Martin")
    PersonNameToken.objects.all().delete()  # persons recorded before the index existed
    assert _found(worker, "eloise") == set()
    name_index_from_command()
    assert _found(worker, "eloise martin") == {person.pseudonym}


def test_the_key_rotation_recomputes_the_tokens_under_the_new_key(in31: In31) -> None:
    worker = in31("association_worker")
    person = _person(worker, "Marie-Claire", "Dupont")
    before = set(PersonNameToken.objects.values_list("token", flat=True))
    key_id = key_rotation.data_key_rotate(batch=1)
    after = set(PersonNameToken.objects.values_list("token", "key_id"))
    assert {k for _, k in after} == {key_id}
    assert before.isdisjoint({t for t, _ in after})
    assert _found(worker, "dupont marie") == {person.pseudonym}


def test_the_file_list_and_the_api_search_by_name(in31: In31, login: Any) -> None:
    worker = in31("association_worker")
    from tests.tenants.casework.conftest import prepare

    dossier = prepare(worker, person_id=_person(worker, "Marie-Claire", "Dupont").pk)
    pseudonym = dossier.person.pseudonym
    connection.set_schema_to_public()
    for role in ("association_worker", "coordinator"):
        client = login(role, "31")
        link = f'href="/dossiers/{dossier.pk}/"'
        assert link in client.get("/dossiers/", {"q": "dupont MARIE"}).content.decode()
        assert link not in client.get("/dossiers/", {"q": "durand"}).content.decode()
        persons = client.get("/api/v1/persons/", {"q": "marie-claire"}).json()
        results = persons["results"] if isinstance(persons, dict) else persons
        assert [p["pseudonym"] for p in results] == [pseudonym]
        dossiers = client.get("/api/v1/dossiers/", {"q": "Dupont"}).json()
        results = dossiers["results"] if isinstance(dossiers, dict) else dossiers
        assert [d["id"] for d in results] == [dossier.pk]


def test_during_a_rotation_persons_under_either_key_are_found(in31: In31) -> None:
    worker = in31("association_worker")
    before = _person(worker, "Marie", "Dupont")
    key_id, created = key_rotation.data_key_rotation_start()
    assert created
    after = _person(worker, "Claire", "Dupont")
    keys = dict(PersonNameToken.objects.values_list("person_id", "key_id").distinct())
    assert keys[after.pk] == key_id and keys[before.pk] != key_id
    assert _found(worker, "dupont") == {before.pseudonym, after.pseudonym}
