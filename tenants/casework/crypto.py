"""Application-level encryption of identity data with a per-département key.

Each département schema holds its data key, stored *wrapped* (AES-GCM) by the platform's master
key (`PARCOURS_MASTER_KEY`, 32 bytes in base64, from the environment; in development derived from
SECRET_KEY). The clear data key never reaches the database. Every ciphertext is bound to its
schema and purpose (associated data), so a value copied to another person or another
département does not decrypt.

Both keys can be rotated (`tenants/privacy/key_rotation.py`, and the README's runbook):
- the master key: every data key is unwrapped with the old one and wrapped again with the new
  one; while processes are being moved to the new key, `PARCOURS_MASTER_KEY_PREVIOUS` lets them
  unwrap with either;
- a département's data key: a new `TenantKey` row becomes the current key (the highest id), and
  every value names the key it was encrypted with (`v2:<key id>:…`; the older `v1:…` values
  belong to the département's first key), so values under the old key stay readable while they
  are re-encrypted, batch by batch, and the old key is deleted once none is left.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction

from parcours.db import connection
from tenants.casework.models import TenantKey

PREFIX = "v1:"  # the département's first key (the lowest id), before keys were named
PREFIX_NAMED = "v2:"  # followed by the key's id and a colon
# Another process may have started a rotation: before encrypting, the current key is looked up
# again when the cached one is older than this (reads never need to: a value names its key, and
# an unknown key is looked up). The rotation waits as long before retiring the old key.
KEY_REFRESH_SECONDS = 60.0
_lock = threading.Lock()


@dataclass
class Keyring:
    """A schema's clear data keys, by id; the highest id encrypts."""

    ciphers: dict[int, AESGCM]
    current: int
    first: int
    loaded_at: float = field(default_factory=time.monotonic)
    # The keys of the name index (tenants/casework/name_index.py), by data key: derived, never
    # the encryption key itself.
    name_keys: dict[int, bytes] = field(default_factory=dict)


def name_index_key(data_key: bytes, *, schema: str) -> bytes:
    """The key of a schema's blind index of names, derived from its data key (HKDF with a label
    of its own): a keyed hash never shares its key with the encryption, and a leak of the index
    key opens no identity."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=f"parcours:name-index:v1:{schema}".encode(),
    ).derive(data_key)


_keyrings: dict[str, Keyring] = {}


def master_key_from(value: str) -> bytes:
    key = base64.b64decode(value)
    if len(key) != 32:
        raise ValueError("a master key must be 32 bytes, base64-encoded")
    return key


def _master_key() -> bytes:
    configured = getattr(settings, "PARCOURS_MASTER_KEY", "")
    if configured:
        return master_key_from(configured)
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"parcours-master-key"
    ).derive(settings.SECRET_KEY.encode())


def master_keys() -> list[bytes]:
    """The master key, then the previous one while a master-key rotation is under way."""
    keys = [_master_key()]
    previous = getattr(settings, "PARCOURS_MASTER_KEY_PREVIOUS", "")
    if previous:
        keys.append(master_key_from(previous))
    return keys


def _aad(schema: str) -> bytes:
    return f"tenant-key:{schema}".encode()


def wrap(data_key: bytes, *, master: bytes, schema: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(master).encrypt(nonce, data_key, _aad(schema))


def unwrap(wrapped: bytes, *, masters: list[bytes], schema: str) -> bytes:
    """The clear data key, with the first master key that opens it."""
    for master in masters:
        try:
            return AESGCM(master).decrypt(wrapped[:12], wrapped[12:], _aad(schema))
        except InvalidTag:
            continue
    raise InvalidTag(f"no master key opens a data key of {schema}")


def key_create() -> TenantKey:
    """A new data key for the current schema, wrapped by the master key; it becomes current."""
    return TenantKey.objects.create(
        wrapped_key=wrap(
            AESGCM.generate_key(bit_length=256),
            master=_master_key(),
            schema=connection.schema_name,
        )
    )


def _load(schema: str) -> Keyring:
    rows = list(TenantKey.objects.order_by("id"))
    if not rows:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE casework_tenantkey IN EXCLUSIVE MODE")
            rows = list(TenantKey.objects.order_by("id")) or [key_create()]
    masters = master_keys()
    clear = {row.pk: unwrap(bytes(row.wrapped_key), masters=masters, schema=schema) for row in rows}
    return Keyring(
        ciphers={pk: AESGCM(key) for pk, key in clear.items()},
        current=rows[-1].pk,
        first=rows[0].pk,
        name_keys={pk: name_index_key(key, schema=schema) for pk, key in clear.items()},
    )


def keyring(*, refresh: bool = False, max_age: float | None = None) -> Keyring:
    schema = connection.schema_name
    with _lock:
        cached = _keyrings.get(schema)
    fresh = max_age is None or (
        cached is not None and time.monotonic() - cached.loaded_at < max_age
    )
    if cached is not None and not refresh and fresh:
        return cached
    ring = _load(schema)
    with _lock:
        _keyrings[schema] = ring
    return ring


def forget_keys(*, schema_name: str | None = None) -> None:
    """Drop cached keys (all, or one schema's: a re-created schema has a new key)."""
    with _lock:
        if schema_name is None:
            _keyrings.clear()
        else:
            _keyrings.pop(schema_name, None)


def tenant_key_ensure() -> None:
    """Create the current schema's data key now (provisioning), rather than on first use."""
    keyring(refresh=True)


def key_id_of(token: str) -> int | None:
    """The id of the key a value was encrypted with (None: the département's first key)."""
    if token.startswith(PREFIX_NAMED):
        return int(token[len(PREFIX_NAMED) :].split(":", 1)[0])
    if token.startswith(PREFIX):
        return None
    raise ValueError("unknown ciphertext format")


def prefix_of(key_id: int) -> str:
    return f"{PREFIX_NAMED}{key_id}:"


def encrypt_json(value: Any, *, purpose: str) -> str:
    ring = keyring(max_age=KEY_REFRESH_SECONDS)
    nonce = os.urandom(12)
    aad = f"{connection.schema_name}:{purpose}".encode()
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    sealed = ring.ciphers[ring.current].encrypt(nonce, data, aad)
    return prefix_of(ring.current) + base64.b64encode(nonce + sealed).decode()


def json_decryptor() -> Callable[[str, str], Any]:
    """`decrypt_json` for many values of the current schema (a statistics extraction): the
    schema's keys are looked up once rather than under the lock for every value."""
    ring = keyring()
    prefix = f"{connection.schema_name}:"

    def decrypt(token: str, purpose: str) -> Any:
        nonlocal ring
        if not token:
            return None
        key_id = key_id_of(token)
        cipher = ring.ciphers.get(ring.first if key_id is None else key_id)
        if cipher is None:  # a key created since (a rotation started elsewhere)
            ring = keyring(refresh=True)
            cipher = ring.ciphers[ring.first if key_id is None else key_id]
        body = token[len(PREFIX) :] if key_id is None else token[len(prefix_of(key_id)) :]
        raw = base64.b64decode(body)
        return json.loads(cipher.decrypt(raw[:12], raw[12:], (prefix + purpose).encode()))

    return decrypt


def decrypt_json(token: str, *, purpose: str) -> Any:
    if not token:
        return None
    return json_decryptor()(token, purpose)
