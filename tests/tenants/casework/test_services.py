"""tenants/casework/services.py and selectors.py: persons, files, pieces, and who sees what."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.db import connection as db
from django.utils import timezone

from parcours.accounts.models import Membership, Role, User
from parcours.accounts.permissions import Access
from parcours.accounts.services import membership_grant
from parcours.associations.models import Association
from parcours.audit.models import AuditEvent
from parcours.departements.models import Tenant
from parcours.storage import MAX_UPLOAD_BYTES, read_bytes
from tenants.agrements.models import Agrement, AgrementStatus
from tenants.casework.crypto import decrypt_json
from tenants.casework.models import Document, Dossier, Person
from tenants.casework.selectors import (
    NotInScope,
    dossier_get,
    dossiers_visible,
    person_get,
    persons_visible,
)
from tenants.casework.services import (
    CaseworkError,
    TransitionRequest,
    document_upload,
    dossier_create,
    dossier_transition,
    evaluation_record,
    person_create,
)
from tests.tenants.casework.conftest import PDF, pdf_of

In31 = Callable[[str], Access]

IDENTITY = {
    "first_name": "Amina",
    "last_name": "Testeuse",
    "birth_date": "1990-05-04",
    "nationality": "NGA",
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def new_person(worker: Access, **identity: str) -> Person:
    return person_create(
        access=worker, identity={**IDENTITY, **identity}, children_count=0, languages=["fr"]
    )


def new_dossier(worker: Access, **identity: str) -> Dossier:
    person = new_person(worker, **identity)
    return dossier_create(access=worker, person_id=person.pk, kind="first_request")


@pytest.fixture
def worker_b(in31: In31) -> Access:
    """An intervenant of association B, also approved in Haute-Garonne (31's base worker is A's)."""
    user = User.objects.create_user(email="intervenant.b@test.parcours", password=None)
    tenant = Tenant.objects.get(code="31")
    membership_grant(
        user=user,
        role=Role.ASSOCIATION_WORKER,
        tenant=tenant,
        association=Association.objects.get(rna="W753000099"),
        actor_id=None,
    )
    db.set_tenant(tenant)  # membership_grant writes its audit event in public
    memberships = tuple(Membership.objects.filter(user=user, is_active=True))
    return Access(
        user_id=user.pk,
        tenant=tenant,
        roles=frozenset(Role(m.role) for m in memberships),
        association_ids=frozenset(m.association_id for m in memberships if m.association_id),
        memberships=memberships,
    )


def stored_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


# ---------------------------------------------------------------------------------------------
# Persons: identity encrypted, pseudonyms, who may record them
# ---------------------------------------------------------------------------------------------


def test_the_identity_is_stored_encrypted_and_bound_to_the_person(in31: In31) -> None:
    worker = in31("association_worker")
    amina = new_person(worker)
    other = new_person(worker, first_name="Bea")

    with db.cursor() as cursor:
        cursor.execute("SELECT identity_encrypted FROM casework_person WHERE id = %s", [amina.pk])
        [stored] = cursor.fetchone()

    assert "Amina" not in stored and "Testeuse" not in stored
    identity = decrypt_json(stored, purpose=f"person:{amina.pseudonym}:identity")
    assert identity["first_name"] == "Amina"
    assert identity["last_name"] == "Testeuse"
    assert identity["birth_date"] == "1990-05-04"
    with pytest.raises(InvalidTag):
        decrypt_json(stored, purpose=f"person:{other.pseudonym}:identity")


def test_the_sex_is_one_of_three_values_or_left_unstated(in31: In31) -> None:
    worker = in31("association_worker")
    stated = new_person(worker, sex="X")
    identity = decrypt_json(
        stated.identity_encrypted, purpose=f"person:{stated.pseudonym}:identity"
    )
    assert identity["sex"] == "X"
    assert new_person(worker).pk  # not stated: allowed
    with pytest.raises(CaseworkError) as refused:
        new_person(worker, sex="femme")
    assert "sex" in refused.value.fields


def test_pseudonyms_are_sequential_per_departement_and_year(in31: In31) -> None:
    worker = in31("association_worker")
    year = timezone.localdate().year

    pseudonyms = [new_person(worker).pseudonym for _ in range(3)]

    assert pseudonyms == [f"PSP-31-{year}-{n:04d}" for n in (1, 2, 3)]


@pytest.mark.parametrize(
    ("identity", "message"),
    [
        pytest.param(
            {"first_name": ""}, "Le nom et le prénom sont obligatoires", id="no-first-name"
        ),
        pytest.param(
            {"last_name": "   "}, "Le nom et le prénom sont obligatoires", id="blank-last-name"
        ),
        pytest.param(
            {"birth_date": (timezone.localdate() + dt.timedelta(days=2)).isoformat()},
            "La date de naissance est dans le futur",
            id="born-in-the-future",
        ),
        pytest.param(
            {"birth_date": "04/05/1990"},
            "date de naissance",
            id="birth-date-not-a-date",
        ),
    ],
)
def test_a_person_without_valid_names_or_birth_date_is_refused(
    in31: In31, identity: dict[str, str], message: str
) -> None:
    with pytest.raises(CaseworkError, match=message):
        new_person(in31("association_worker"), **identity)

    assert not Person.objects.exists()


def test_an_association_whose_approval_was_withdrawn_records_no_new_person(
    in31: In31, worker_b: Access
) -> None:
    Agrement.objects.filter(association__rna="W753000099").update(status=AgrementStatus.WITHDRAWN)

    with pytest.raises(CaseworkError, match="agréée"):
        new_person(worker_b)

    assert not Person.objects.exists()


@pytest.mark.parametrize("role", ["coordinator", "prefet", "member", "dpo"])
def test_only_an_association_worker_records_a_person(in31: In31, role: str) -> None:
    with pytest.raises(CaseworkError, match="Seule une association agréée"):
        new_person(in31(role))

    assert not Person.objects.exists()


# ---------------------------------------------------------------------------------------------
# Files: one request at a time
# ---------------------------------------------------------------------------------------------


def test_a_second_first_request_is_refused_while_one_is_in_progress(in31: In31) -> None:
    worker = in31("association_worker")
    first = new_dossier(worker)

    with pytest.raises(CaseworkError, match="déjà un parcours en cours ou demandé"):
        dossier_create(access=worker, person_id=first.person_id, kind="first_request")

    assert Dossier.objects.filter(person_id=first.person_id).count() == 1


def test_a_renewal_needs_an_active_pathway(in31: In31) -> None:
    worker = in31("association_worker")
    never_asked = new_person(worker)
    only_requested = new_dossier(worker)

    for person_id in (never_asked.pk, only_requested.person_id):
        with pytest.raises(CaseworkError, match="Un renouvellement suppose un parcours en cours"):
            dossier_create(access=worker, person_id=person_id, kind="renewal")

    assert Dossier.objects.count() == 1


# ---------------------------------------------------------------------------------------------
# Pieces: real type and size checked, nothing written on refusal
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "doc_type", "message"),
    [
        pytest.param(b"", "identity", "Le fichier est vide", id="empty"),
        pytest.param(PDF + b"0" * MAX_UPLOAD_BYTES, "identity", "dépasse 10 Mo", id="over-10-MB"),
        pytest.param(
            b"MZ\x90\x00\x03\x00\x00\x00" + PDF,
            "identity",
            "Seuls les fichiers PDF, PNG et JPEG sont acceptés",
            id="executable-named-pdf",
        ),
        pytest.param(PDF, "passport_scan", "Type de pièce inconnu", id="unknown-doc-type"),
        pytest.param(PDF, "decision_letter", "Type de pièce inconnu", id="forged-decision-letter"),
    ],
)
def test_a_refused_piece_leaves_no_row_and_no_file(
    in31: In31, data: bytes, doc_type: str, message: str
) -> None:
    worker = in31("association_worker")
    dossier = new_dossier(worker)

    with pytest.raises(CaseworkError, match=message):
        document_upload(
            access=worker,
            dossier_id=dossier.pk,
            doc_type=doc_type,
            data=data,
            claimed_name="scan.pdf",
        )

    assert not Document.objects.exists()
    assert stored_files() == []


@pytest.mark.parametrize(
    ("data", "content_type", "suffix"),
    [
        pytest.param(PDF, "application/pdf", ".pdf", id="pdf"),
        pytest.param(PNG, "image/png", ".png", id="png"),
        pytest.param(JPEG, "image/jpeg", ".jpg", id="jpeg"),
        pytest.param(
            pdf_of(padding=MAX_UPLOAD_BYTES - 1_000), "application/pdf", ".pdf", id="10-MB"
        ),
    ],
)
def test_a_piece_is_stored_with_its_real_type(
    in31: In31, data: bytes, content_type: str, suffix: str
) -> None:
    worker = in31("association_worker")
    dossier = new_dossier(worker)

    document = document_upload(
        access=worker, dossier_id=dossier.pk, doc_type="identity", data=data, claimed_name="x.bin"
    )

    assert document.content_type == content_type
    assert document.storage_name.endswith(suffix)
    assert document.size == len(data)
    assert read_bytes(document.storage_name) == data
    assert [p.name for p in stored_files()] == [document.storage_name]


# ---------------------------------------------------------------------------------------------
# Scope: an association sees and edits its own files only; the commission's members see none
# ---------------------------------------------------------------------------------------------


def test_an_association_does_not_see_another_associations_persons_or_files(
    in31: In31, worker_b: Access
) -> None:
    of_a = new_dossier(in31("association_worker"))
    of_b = new_dossier(worker_b, first_name="Bea")

    assert list(persons_visible(access=worker_b)) == [of_b.person]
    assert list(dossiers_visible(access=worker_b)) == [of_b]
    assert list(persons_visible(access=in31("association_worker"))) == [of_a.person]
    with pytest.raises(NotInScope):
        person_get(access=worker_b, pk=of_a.person_id)
    with pytest.raises(NotInScope):
        dossier_get(access=worker_b, pk=of_a.pk)


def test_an_association_cannot_edit_another_associations_file_even_by_its_id(
    in31: In31, worker_b: Access
) -> None:
    of_a = new_dossier(in31("association_worker"))
    today = timezone.localdate()

    with pytest.raises(NotInScope):
        evaluation_record(
            access=worker_b, dossier_id=of_a.pk, domain="sante", items=[], notes="",
            evaluated_on=today, sign_off=True,
        )  # fmt: skip
    with pytest.raises(NotInScope):
        document_upload(access=worker_b, dossier_id=of_a.pk, doc_type="identity", data=PDF)
    with pytest.raises(NotInScope):
        dossier_create(access=worker_b, person_id=of_a.person_id, kind="renewal")
    with pytest.raises(NotInScope):
        dossier_transition(
            access=worker_b,
            dossier_id=of_a.pk,
            request=TransitionRequest(name="withdraw", data={}, comment="Retrait de la demande"),
        )

    of_a.refresh_from_db()
    assert of_a.state == "draft"
    assert not of_a.evaluations.exists()
    assert not Document.objects.exists()
    assert stored_files() == []


@pytest.mark.parametrize("role", ["coordinator", "prefet"])
def test_the_coordination_and_the_prefet_see_every_association_file(
    in31: In31, worker_b: Access, role: str
) -> None:
    of_a = new_dossier(in31("association_worker"))
    of_b = new_dossier(worker_b, first_name="Bea")

    access = in31(role)

    assert set(persons_visible(access=access)) == {of_a.person, of_b.person}
    assert set(dossiers_visible(access=access)) == {of_a, of_b}
    assert person_get(access=access, pk=of_b.person_id) == of_b.person


@pytest.mark.parametrize("role", ["member", "dpo"])
def test_commission_members_and_the_dpo_see_no_person(in31: In31, role: str) -> None:
    dossier = new_dossier(in31("association_worker"))
    access = in31(role)

    assert not persons_visible(access=access).exists()
    assert not dossiers_visible(access=access).exists()
    with pytest.raises(NotInScope):
        person_get(access=access, pk=dossier.person_id)
    with pytest.raises(NotInScope):
        dossier_get(access=access, pk=dossier.pk)


@pytest.mark.parametrize(
    ("read", "action", "object_of"),
    [
        pytest.param(person_get, "person.read", lambda d: d.person_id, id="person"),
        pytest.param(dossier_get, "dossier.read", lambda d: d.pk, id="dossier"),
    ],
)
def test_every_read_of_a_file_is_audited(
    in31: In31, read: Callable[..., object], action: str, object_of: Callable[[Dossier], int]
) -> None:
    dossier = new_dossier(in31("association_worker"))
    coordinator = in31("coordinator")

    read(access=coordinator, pk=object_of(dossier), reason="Préparation de la séance")

    [event] = AuditEvent.objects.filter(action=action)
    assert event.object_id == str(object_of(dossier))
    assert event.actor_id == coordinator.user_id
    assert event.actor_role == "coordinator"
    assert event.reason == "Préparation de la séance"


def test_a_refused_read_is_not_audited_as_a_read(in31: In31) -> None:
    dossier = new_dossier(in31("association_worker"))

    with pytest.raises(NotInScope):
        dossier_get(access=in31("member"), pk=dossier.pk)

    assert not AuditEvent.objects.filter(action="dossier.read").exists()
