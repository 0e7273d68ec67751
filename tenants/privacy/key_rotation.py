"""Rotating the keys that protect identities (crypto.py): the master key, a département's data key.

- `master_key_rewrap` unwraps each data key of the current schema with the old master key and
  wraps it with the new one. Nothing else changes (the clear data key is the same), so it is
  quick and idempotent: a key the new master already opens is left as it is.
- `data_key_rotate` gives the département a new data key and re-encrypts every encrypted value
  (`ENCRYPTED_FIELDS`) under it, in batches of their own transactions. Each value names its
  key, so a run that stops half-way (a crash, a deploy) leaves a readable département, and the
  next run takes up what is left: the new key is kept (the highest id is current), values
  already under it are skipped. The old key is deleted only when no value uses it any more,
  checked with writes held back, and not before every process can have noticed the new key
  (`crypto.KEY_REFRESH_SECONDS`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from parcours.audit.services import audit_record
from parcours.db import connection
from parcours.errors import Conflict, Refused
from tenants.casework import crypto
from tenants.casework.models import NeedsEvaluation, Person, PersonNameToken, TenantKey
from tenants.casework.name_index import name_index_rebuild, person_name_index
from tenants.privacy.models import IdentityRevision
from tenants.privacy.rectification import revision_key, revision_purpose


class KeyRotationError(Refused):
    """A rotation that cannot be done as asked; nothing was changed."""


class KeysInUse(Conflict):
    """Values under an old key remain (written meanwhile): run the rotation again."""


@dataclass(frozen=True)
class EncryptedField:
    """A column encrypted through crypto.py, and the purpose its values are bound to."""

    model: type[models.Model]
    field: str
    purpose_fields: tuple[str, ...]
    purpose: Callable[[models.Model], str]
    # What is derived from the clear value under the schema's key and must follow it to the new
    # key (the blind index of names), given the row and its clear value.
    derived: Callable[[models.Model, Any], None] | None = None

    @property
    def label(self) -> str:
        return f"{self.model._meta.db_table}.{self.field}"


# Every column holding a value from `crypto.encrypt_json`. A new one must be added here, or the
# old key could not be deleted (tests/tenants/privacy/test_key_rotation.py greps for them).
ENCRYPTED_FIELDS: tuple[EncryptedField, ...] = (
    EncryptedField(
        Person,
        "identity_encrypted",
        ("pseudonym",),
        lambda row: f"person:{row.pseudonym}:identity",  # type: ignore[attr-defined]
        lambda row, identity: person_name_index(
            person_id=row.pk, identity=identity if isinstance(identity, dict) else None
        ),
    ),
    EncryptedField(
        NeedsEvaluation,
        "notes_encrypted",
        ("dossier_id", "domain"),
        lambda row: f"dossier:{row.dossier_id}:evaluation:{row.domain}",  # type: ignore[attr-defined]
    ),
    *(
        EncryptedField(
            IdentityRevision,
            f"{part}_encrypted",
            ("person_id", "at"),
            lambda row, part=part: revision_purpose(  # type: ignore[misc]
                revision_key(row.person_id, row.at),
                part,
            ),
        )
        for part in ("before", "after", "reason")
    ),
)


@dataclass(frozen=True)
class RewrapResult:
    rewrapped: int
    already: int


def master_key_rewrap(*, old: bytes, new: bytes, actor_id: int | None = None) -> RewrapResult:
    """Wrap the current schema's data keys with `new` instead of `old` (idempotent)."""
    schema = connection.schema_name
    rewrapped = already = 0
    with transaction.atomic():
        for row in TenantKey.objects.select_for_update().order_by("id"):
            wrapped = bytes(row.wrapped_key)
            try:
                crypto.unwrap(wrapped, masters=[new], schema=schema)
                already += 1
                continue
            except crypto.InvalidTag:
                pass
            try:
                clear = crypto.unwrap(wrapped, masters=[old], schema=schema)
            except crypto.InvalidTag as exc:
                raise KeyRotationError(
                    f"Ni l'ancienne ni la nouvelle clé maîtresse n'ouvre la clé #{row.pk} de "
                    f"{schema} : rien n'a été modifié dans ce département."
                ) from exc
            row.wrapped_key = crypto.wrap(clear, master=new, schema=schema)
            row.save(update_fields=["wrapped_key"])
            rewrapped += 1
        if rewrapped:
            audit_record(
                action="crypto.master_key_rewrapped",
                actor_id=actor_id,
                object_type="data_key",
                data={"rewrapped": rewrapped},
            )
    crypto.forget_keys(schema_name=schema)
    return RewrapResult(rewrapped=rewrapped, already=already)


def data_key_rotation_start(*, actor_id: int | None = None) -> tuple[int, bool]:
    """The new data key's id, created unless a rotation is under way; whether it was created."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE casework_tenantkey IN EXCLUSIVE MODE")
        keys = list(TenantKey.objects.order_by("id").values_list("id", flat=True))
        if len(keys) > 1:
            return keys[-1], False
        key = crypto.key_create()
        audit_record(
            action="crypto.data_key_rotation_started",
            actor_id=actor_id,
            object_type="data_key",
            object_id=key.pk,
        )
    crypto.forget_keys(schema_name=connection.schema_name)
    return key.pk, True


def _not_under(spec: EncryptedField, *, key_id: int) -> models.QuerySet[models.Model]:
    column = spec.field
    return (
        spec.model._default_manager.exclude(**{column: ""})
        .exclude(**{f"{column}__startswith": crypto.prefix_of(key_id)})
        .order_by("pk")
    )


def remaining(*, key_id: int) -> dict[str, int]:
    """How many values of each encrypted column are not under `key_id` yet."""
    return {spec.label: _not_under(spec, key_id=key_id).count() for spec in ENCRYPTED_FIELDS}


def _reencrypt_row(
    spec: EncryptedField, row: models.Model, decrypt: Callable[[str, str], object]
) -> bool:
    old = getattr(row, spec.field)
    purpose = spec.purpose(row)
    clear = decrypt(old, purpose)
    new = crypto.encrypt_json(clear, purpose=purpose)
    # Only if nobody changed it meanwhile: a concurrent edit is already under the new key.
    changed = spec.model._default_manager.filter(pk=row.pk, **{spec.field: old}).update(
        **{spec.field: new}
    )
    if changed and spec.derived is not None:
        spec.derived(row, clear)
    return bool(changed)


def reencrypt_batch(
    *, spec: EncryptedField, key_id: int, after_pk: int, size: int
) -> tuple[int, int]:
    """Re-encrypt up to `size` values after `after_pk`, in one transaction; (done, last pk)."""
    with transaction.atomic():
        rows = list(
            _not_under(spec, key_id=key_id)
            .filter(pk__gt=after_pk)
            .only("pk", spec.field, *spec.purpose_fields)[:size]
        )
        decrypt = crypto.json_decryptor()
        done = sum(_reencrypt_row(spec, row, decrypt) for row in rows)
    return done, rows[-1].pk if rows else after_pk


def data_key_rotation_finish(*, key_id: int, actor_id: int | None = None) -> int:
    """Delete the keys older than `key_id` once no value uses them; the number deleted."""
    created = TenantKey.objects.get(pk=key_id).created_at
    wait = crypto.KEY_REFRESH_SECONDS - (timezone.now() - created).total_seconds()
    if wait > 0:  # a process may still encrypt with the old key until it looks again
        time.sleep(wait)
    tables = ", ".join(spec.model._meta.db_table for spec in ENCRYPTED_FIELDS)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Writes wait while we check and delete: no value can slip under the old key.
            cursor.execute(f"LOCK TABLE {tables} IN SHARE MODE")
        left = {label: n for label, n in remaining(key_id=key_id).items() if n}
        if left:
            raise KeysInUse(f"Des valeurs restent sous l'ancienne clé : {left}")
        deleted, _ = TenantKey.objects.filter(pk__lt=key_id).delete()
        audit_record(
            action="crypto.data_key_rotated",
            actor_id=actor_id,
            object_type="data_key",
            object_id=key_id,
            data={"retired": deleted},
        )
    crypto.forget_keys(schema_name=connection.schema_name)
    return deleted


Progress = Callable[[str, int, int], None]


def data_key_rotate(
    *, batch: int = 200, actor_id: int | None = None, progress: Progress | None = None
) -> int:
    """Rotate the current schema's data key (module docstring); resumable. The new key's id."""
    if batch < 1:
        raise KeyRotationError("La taille d'un lot doit être d'au moins 1.")
    key_id, _ = data_key_rotation_start(actor_id=actor_id)
    for _attempt in range(3):
        for spec in ENCRYPTED_FIELDS:
            total = _not_under(spec, key_id=key_id).count()
            done = last = 0
            while True:
                count, next_last = reencrypt_batch(
                    spec=spec, key_id=key_id, after_pk=last, size=batch
                )
                if next_last == last:
                    break
                done, last = done + count, next_last
                if progress is not None:
                    progress(spec.label, done, total)
        # Tokens a process still on the old key wrote meanwhile: computed again under the new.
        stale = PersonNameToken.objects.exclude(key_id=key_id).values_list("person_id", flat=True)
        name_index_rebuild(batch=batch, persons=set(stale))
        try:
            data_key_rotation_finish(key_id=key_id, actor_id=actor_id)
            return key_id
        except KeysInUse:
            continue  # written under the old key while we worked: one more pass
    raise KeysInUse("Des valeurs sont encore écrites sous l'ancienne clé : relancez la commande.")
