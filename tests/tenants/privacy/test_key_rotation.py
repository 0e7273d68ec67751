"""Rotating the master key and a département's data key, including a run that stops half-way."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from parcours.accounts.permissions import Access
from parcours.db import connection
from tenants.casework import crypto
from tenants.casework.models import NeedsEvaluation, Person, TenantKey
from tenants.privacy import key_rotation
from tenants.privacy.key_rotation import ENCRYPTED_FIELDS
from tenants.privacy.models import IdentityRevision
from tenants.privacy.rectification import revision_view
from tenants.privacy.services import person_identity_rectify
from tests.tenants.casework.conftest import prepare

In31 = Callable[[str], Access]

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _keys_forgotten(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keys created or re-wrapped here are rolled back with the test: so are the caches."""
    monkeypatch.setattr(crypto, "KEY_REFRESH_SECONDS", 0.0)
    crypto.forget_keys()
    yield
    crypto.forget_keys()


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def _identities(worker: Any) -> dict[int, Any]:
    return {
        p.pk: crypto.decrypt_json(p.identity_encrypted, purpose=f"person:{p.pseudonym}:identity")
        for p in Person.objects.all()
    }


def test_the_master_key_rotation_rewraps_every_key_and_is_idempotent(
    in31: In31, settings: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    worker = in31("association_worker")
    prepare(worker)
    before = _identities(worker)
    wrapped_before = bytes(TenantKey.objects.get().wrapped_key)
    old = crypto.master_keys()[0]
    new = os.urandom(32)
    monkeypatch.setenv("TEST_NEW_MASTER", _b64(new))
    monkeypatch.setenv("TEST_OLD_MASTER", _b64(old))
    args = ["--old-key-env", "TEST_OLD_MASTER", "--new-key-env", "TEST_NEW_MASTER"]

    call_command("master_key_rotate", *args)
    out = capsys.readouterr().out
    assert re.search(r"^31 \(\d+/\d+\): 1 re-wrapped, 0 already", out, re.M)
    connection.set_tenant(worker.tenant)
    assert bytes(TenantKey.objects.get().wrapped_key) != wrapped_before

    # The old master no longer opens the key; the new one does, and identities read the same.
    settings.PARCOURS_MASTER_KEY = _b64(new)
    crypto.forget_keys()
    assert _identities(worker) == before
    settings.PARCOURS_MASTER_KEY = _b64(old)
    crypto.forget_keys()
    with pytest.raises(crypto.InvalidTag):
        _identities(worker)

    # Again: nothing to do.
    call_command("master_key_rotate", *args)
    assert re.search(r"^31 \(\d+/\d+\): 0 re-wrapped, 1 already", capsys.readouterr().out, re.M)


def test_a_wrong_old_master_key_changes_nothing(
    in31: In31, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrapped_before = bytes(TenantKey.objects.get().wrapped_key)
    monkeypatch.setenv("TEST_NEW_MASTER", _b64(os.urandom(32)))
    monkeypatch.setenv("TEST_OLD_MASTER", _b64(os.urandom(32)))
    with pytest.raises(CommandError, match=r"not re-wrapped: .*31"):
        call_command(
            "master_key_rotate",
            "31",
            "--old-key-env",
            "TEST_OLD_MASTER",
            "--new-key-env",
            "TEST_NEW_MASTER",
        )
    connection.set_tenant(in31("coordinator").tenant)
    assert bytes(TenantKey.objects.get().wrapped_key) == wrapped_before


def test_processes_read_with_the_previous_master_key_during_a_rotation(
    in31: In31, settings: Any
) -> None:
    worker = in31("association_worker")
    prepare(worker)
    before = _identities(worker)
    settings.PARCOURS_MASTER_KEY_PREVIOUS = _b64(crypto.master_keys()[0])
    settings.PARCOURS_MASTER_KEY = _b64(os.urandom(32))
    crypto.forget_keys()
    assert _identities(worker) == before


def _under(key_id: int) -> dict[str, int]:
    prefix = crypto.prefix_of(key_id)
    return {
        spec.label: spec.model._default_manager.filter(
            **{f"{spec.field}__startswith": prefix}
        ).count()
        for spec in ENCRYPTED_FIELDS
    }


def test_the_data_key_rotation_resumes_after_a_crash_and_retires_the_old_key(
    in31: In31, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    worker = in31("association_worker")
    for _ in range(3):
        prepare(worker)
    rectified = Person.objects.order_by("pk").first()
    assert rectified is not None
    revision = person_identity_rectify(
        access=in31("coordinator"),
        person_id=rectified.pk,
        changes={"address": "12 rue du Nouveau Domicile"},
        reason="Justificatif de domicile fourni.",
    )
    assert revision is not None
    before = _identities(worker)
    notes_before = {
        e.pk: crypto.decrypt_json(
            e.notes_encrypted, purpose=f"dossier:{e.dossier_id}:evaluation:{e.domain}"
        )
        for e in NeedsEvaluation.objects.all()
    }
    (old_key,) = TenantKey.objects.values_list("id", flat=True)

    # The first run dies after two values.
    real = key_rotation._reencrypt_row
    calls = {"n": 0}

    def dies_after_two(*args: Any) -> bool:
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        calls["n"] += 1
        return real(*args)

    monkeypatch.setattr(key_rotation, "_reencrypt_row", dies_after_two)
    with pytest.raises(RuntimeError, match="power cut"):
        call_command("identities_reencrypt", "31", "--batch", "1")
    connection.set_tenant(worker.tenant)
    keys = list(TenantKey.objects.order_by("id").values_list("id", flat=True))
    assert keys[0] == old_key and len(keys) == 2  # both kept: values under each
    new_key = keys[1]
    assert _under(new_key)["casework_person.identity_encrypted"] == 2
    # Half-way, every identity still reads (each value names its key).
    crypto.forget_keys()
    assert _identities(worker) == before

    # The second run takes up where the first stopped, with the same new key.
    monkeypatch.setattr(key_rotation, "_reencrypt_row", real)
    call_command("identities_reencrypt", "31", "--batch", "2")
    out = capsys.readouterr().out
    assert "31 casework_person.identity_encrypted: 1/1" in out
    assert f"every value under data key #{new_key}" in out
    connection.set_tenant(worker.tenant)
    assert list(TenantKey.objects.values_list("id", flat=True)) == [new_key]
    assert _under(new_key) == {
        "casework_person.identity_encrypted": 3,
        "casework_needsevaluation.notes_encrypted": len(notes_before),
        "privacy_identityrevision.before_encrypted": 1,
        "privacy_identityrevision.after_encrypted": 1,
        "privacy_identityrevision.reason_encrypted": 1,
    }
    crypto.forget_keys()
    assert revision_view(IdentityRevision.objects.get(pk=revision.pk)).reason == (
        "Justificatif de domicile fourni."
    )
    crypto.forget_keys()
    assert _identities(worker) == before
    for e in NeedsEvaluation.objects.all():
        purpose = f"dossier:{e.dossier_id}:evaluation:{e.domain}"
        assert crypto.decrypt_json(e.notes_encrypted, purpose=purpose) == notes_before[e.pk]

    # Nothing left to do: a third run rotates again, to a third key, and still reads.
    call_command("identities_reencrypt", "31")
    connection.set_tenant(worker.tenant)
    assert TenantKey.objects.get().pk > new_key
    crypto.forget_keys()
    assert _identities(worker) == before


def test_the_old_key_is_kept_while_a_value_still_uses_it(in31: In31) -> None:
    worker = in31("association_worker")
    prepare(worker)
    key_id, created = key_rotation.data_key_rotation_start()
    assert created
    with pytest.raises(key_rotation.KeysInUse):
        key_rotation.data_key_rotation_finish(key_id=key_id)
    assert TenantKey.objects.count() == 2


def test_every_encrypted_column_is_known_to_the_rotation() -> None:
    """A column written with encrypt_json but missing from ENCRYPTED_FIELDS would keep the old
    key alive (or lose its values when it is deleted)."""
    known = {spec.field for spec in ENCRYPTED_FIELDS}
    written: set[str] = set()
    for folder in ("tenants", "platform", "api", "frontend"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            written |= set(re.findall(r'"?(\w+_encrypted)"?\s*[=:]\s*encrypt_json', text))
    assert written, "the search must find the identity column at least"
    assert written <= known, sorted(written - known)
