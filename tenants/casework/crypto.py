"""Application-level encryption of identity data with a per-département key.

Each département schema holds one data key, stored *wrapped* (AES-GCM) by the platform's master
key (`PARCOURS_MASTER_KEY`, 32 bytes in base64, from the environment; in development derived from
SECRET_KEY). The clear data key never reaches the database. Every ciphertext is bound to its
schema and purpose (associated data), so a value copied to another person or another
département does not decrypt.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import transaction

from parcours.db import connection
from tenants.casework.models import TenantKey

PREFIX = "v1:"
_lock = threading.Lock()
_ciphers: dict[str, AESGCM] = {}


def _master_key() -> bytes:
    configured = getattr(settings, "PARCOURS_MASTER_KEY", "")
    if configured:
        key = base64.b64decode(configured)
        if len(key) != 32:
            raise ValueError("PARCOURS_MASTER_KEY must be 32 bytes, base64-encoded")
        return key
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"parcours-master-key"
    ).derive(settings.SECRET_KEY.encode())


def _cipher() -> AESGCM:
    schema = connection.schema_name
    with _lock:
        cached = _ciphers.get(schema)
        if cached is not None:
            return cached
    master = AESGCM(_master_key())
    aad = f"tenant-key:{schema}".encode()
    row = TenantKey.objects.order_by("id").first()
    if row is None:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE casework_tenantkey IN EXCLUSIVE MODE")
            row = TenantKey.objects.order_by("id").first()
            if row is None:
                nonce = os.urandom(12)
                wrapped = nonce + master.encrypt(nonce, AESGCM.generate_key(bit_length=256), aad)
                row = TenantKey.objects.create(wrapped_key=wrapped)
    wrapped = bytes(row.wrapped_key)
    cipher = AESGCM(master.decrypt(wrapped[:12], wrapped[12:], aad))
    with _lock:
        _ciphers[schema] = cipher
    return cipher


def forget_keys(*, schema_name: str | None = None) -> None:
    """Drop cached keys (all, or one schema's: a re-created schema has a new key)."""
    with _lock:
        if schema_name is None:
            _ciphers.clear()
        else:
            _ciphers.pop(schema_name, None)


def tenant_key_ensure() -> None:
    """Create the current schema's data key now (provisioning), rather than on first use."""
    _cipher()


def encrypt_json(value: Any, *, purpose: str) -> str:
    nonce = os.urandom(12)
    aad = f"{connection.schema_name}:{purpose}".encode()
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return PREFIX + base64.b64encode(nonce + _cipher().encrypt(nonce, data, aad)).decode()


def json_decryptor() -> Callable[[str, str], Any]:
    """`decrypt_json` for many values of the current schema (a statistics extraction): the
    schema's key is looked up once rather than under the lock for every value."""
    cipher = _cipher()
    prefix = f"{connection.schema_name}:"

    def decrypt(token: str, purpose: str) -> Any:
        if not token:
            return None
        if not token.startswith(PREFIX):
            raise ValueError("unknown ciphertext format")
        raw = base64.b64decode(token[len(PREFIX) :])
        return json.loads(cipher.decrypt(raw[:12], raw[12:], (prefix + purpose).encode()))

    return decrypt


def decrypt_json(token: str, *, purpose: str) -> Any:
    if not token:
        return None
    return json_decryptor()(token, purpose)
