"""Backup and restore of one département: its schema with its data, and its public rows.

An archive is an uncompressed tar holding:
- `schema.dump`: `pg_dump --format=custom --schema=dep_xx` (tables, data, the schema's own
  `django_migrations`, and `casework_tenantkey`, the data key wrapped by the master key: the
  clear key never leaves the database, and the master key never enters an archive);
- `public.json`: the public rows the département owns (its Tenant and Domain rows, the rows that
  point at its Tenant: memberships, workflow variants) and the public rows its tables reference
  (associations, people, reference data), serialised by Django;
- `media/…`: the département's stored files (MEDIA_ROOT/tenants/dep_xx, parcours.storage);
- `manifest.json`: code, schema, the schema's migrations, the server version, the SHA-256 of
  every file.
Both parts are read in one snapshot (`pg_export_snapshot` handed to `pg_dump --snapshot`), so the
public rows match the schema's rows exactly.

Restoring under the same code is required: every ciphertext and the wrapped key are bound to the
schema name (tenants/casework/crypto.py), so `dep_31` restored as `dep_32` would not decrypt.
An archive holds identities in ciphertext and people's password hashes: store it like the
database itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.db import models, transaction
from django.db.migrations.loader import MigrationLoader

from parcours.audit.services import audit_record
from parcours.db import connection
from parcours.db_backend.base import roles_enabled
from parcours.departements.models import Tenant
from parcours.departements.roles import national_role_ensure, tenant_role_ensure
from parcours.errors import Conflict, DomainError, Refused
from parcours.operations.postgres import libpq_env, tool

FORMAT = 1
MANIFEST, DUMP, PUBLIC = "manifest.json", "schema.dump", "public.json"
# Rows that say who a person or an association is: a row of the same id in the target database
# must be the same one, or the restored memberships and files would point at someone else.
IDENTITY_FIELDS = {"accounts.user": "email", "associations.association": "rna"}


class OperationsError(DomainError):
    pass


class ArchiveInvalid(OperationsError, Refused):
    default_reason = "L’archive est illisible ou altérée."


class SchemaExists(OperationsError, Conflict):
    default_reason = "Ce département existe déjà dans la base : restauration refusée."


@dataclass(frozen=True)
class Manifest:
    code: str
    schema: str
    created_at: str
    server_version: str
    migrations: list[list[str]]
    checksums: dict[str, str]
    format: int = FORMAT
    counts: dict[str, int] = field(default_factory=dict)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_public(model: type[models.Model]) -> bool:
    return model._meta.app_config.name in settings.SHARED_APPS


def _is_tenant(model: type[models.Model]) -> bool:
    return model._meta.app_config.name in settings.TENANT_APPS


def _public_fks(model: type[models.Model]) -> list[models.ForeignKey[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and _is_public(f.related_model)
    ]


def _owned_rows(tenant: Tenant) -> list[models.Model]:
    """The public rows that belong to the département: its Tenant row and what points at it."""
    rows: list[models.Model] = [tenant]
    for model in apps.get_models():
        if not _is_public(model) or model is Tenant:
            continue
        for fk in _public_fks(model):
            if fk.related_model is Tenant:
                rows += list(model._default_manager.filter(**{fk.name: tenant}).order_by("pk"))
    return rows


def _referenced_rows(tenant: Tenant, owned: list[models.Model]) -> list[models.Model]:
    """Public rows the schema's tables and the owned rows reference, and theirs, transitively."""
    wanted: dict[type[models.Model], set[Any]] = {}
    for row in owned:
        for fk in _public_fks(type(row)):
            value = getattr(row, fk.attname)
            if value is not None and fk.related_model is not Tenant:
                wanted.setdefault(fk.related_model, set()).add(value)
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if not _is_tenant(model) or _is_public(model):
                continue
            for fk in _public_fks(model):
                cursor.execute(
                    f'SELECT DISTINCT "{fk.column}" FROM "{tenant.schema_name}"."{model._meta.db_table}" '
                    f'WHERE "{fk.column}" IS NOT NULL'
                )
                wanted.setdefault(fk.related_model, set()).update(r[0] for r in cursor.fetchall())
    # Rows the département owns travel with the owned part (after its Tenant row).
    found: dict[tuple[str, Any], models.Model] = {(r._meta.label_lower, r.pk): r for r in owned}
    ordered: list[models.Model] = []
    pending = {
        m: {pk for pk in pks if (m._meta.label_lower, pk) not in found} for m, pks in wanted.items()
    }
    while pending:
        following: dict[type[models.Model], set[Any]] = {}
        for model, pks in pending.items():
            for row in model._default_manager.filter(pk__in=pks).order_by("pk"):
                key = (model._meta.label_lower, row.pk)
                if key in found:
                    continue
                found[key] = row
                ordered.append(row)
                for fk in _public_fks(model):
                    value = getattr(row, fk.attname)
                    if value is not None and fk.related_model is not Tenant:
                        following.setdefault(fk.related_model, set()).add(value)
        pending = {
            m: {pk for pk in pks if (m._meta.label_lower, pk) not in found}
            for m, pks in following.items()
        }
        pending = {m: pks for m, pks in pending.items() if pks}
    # Parents before children: a row is inserted after the rows it points at.
    return list(reversed(ordered))


def _second_factor_rows(rows: list[models.Model]) -> list[models.Model]:
    """The second-factor devices of the archive's accounts: without them a restored agent
    who reads identities could not sign in (accounts/mfa.py). Devices after their accounts,
    recovery codes after their device."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from parcours.accounts.models import User

    users = [row.pk for row in rows if isinstance(row, User)]
    statics = list(StaticDevice.objects.filter(user_id__in=users).order_by("pk"))
    return [
        *TOTPDevice.objects.filter(user_id__in=users).order_by("pk"),
        *statics,
        *StaticToken.objects.filter(device__in=statics).order_by("pk"),
    ]


def _media_folder(schema: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "tenants" / schema


def _media_files(schema: str) -> dict[str, Path]:
    """The stored files of the schema, by their name in the archive (`media/documents/…`)."""
    root = _media_folder(schema)
    if not root.is_dir():
        return {}
    return {
        f"media/{path.relative_to(root).as_posix()}": path
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _restore_media(work: Path, schema: str) -> None:
    source = work / "media"
    if source.is_dir():
        shutil.copytree(source, _media_folder(schema), dirs_exist_ok=True)


def _schema_migrations(schema: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY app, name')
        return [[app, name] for app, name in cursor.fetchall()]


def departement_export(*, code: str, destination: Path, actor_id: int | None = None) -> Manifest:
    """Write the archive of département `code` to `destination` (see the module docstring)."""
    connection.set_schema_to_public()
    tenant = Tenant.objects.filter(code=code.upper()).first()
    if tenant is None:
        raise OperationsError(f"Aucun département provisionné pour le code {code}.")
    pg_dump = tool("pg_dump")
    with tempfile.TemporaryDirectory(prefix="parcours-export-") as tmp:
        work = Path(tmp)
        # One snapshot for both halves: the transaction stays open while pg_dump reads it.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
                snapshot, server_version = cursor.fetchone()
            subprocess.run(
                [
                    str(pg_dump),
                    "--format=custom",
                    f"--schema={tenant.schema_name}",
                    f"--snapshot={snapshot}",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={work / DUMP}",
                ],
                env=libpq_env(connection.settings_dict),
                check=True,
                capture_output=True,
            )
            owned = _owned_rows(tenant)
            referenced = _referenced_rows(tenant, owned)
            owned += _second_factor_rows(referenced + owned)
            migrations = _schema_migrations(tenant.schema_name)
        media = _media_files(tenant.schema_name)
        (work / PUBLIC).write_text(
            serializers.serialize("json", referenced + owned, indent=1), encoding="utf-8"
        )
        counts: dict[str, int] = {}
        for row in referenced + owned:
            counts[row._meta.label_lower] = counts.get(row._meta.label_lower, 0) + 1
        manifest = Manifest(
            code=tenant.code,
            schema=tenant.schema_name,
            created_at=dt.datetime.now(dt.UTC).isoformat(),
            server_version=server_version,
            migrations=migrations,
            checksums={name: _sha256(work / name) for name in (DUMP, PUBLIC)}
            | {name: _sha256(path) for name, path in media.items()},
            counts=counts,
        )
        (work / MANIFEST).write_text(json.dumps(manifest.__dict__, indent=1), encoding="utf-8")
        destination.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(destination, "w") as archive:
            for name in (MANIFEST, DUMP, PUBLIC):
                archive.add(work / name, arcname=name)
            for name, path in media.items():
                archive.add(path, arcname=name)
    with transaction.atomic():
        audit_record(
            action="departement.exported",
            actor_id=actor_id,
            object_type="departement",
            object_id=tenant.code,
            data={"checksums": manifest.checksums},
        )
    return manifest


def _read_archive(source: Path, work: Path) -> Manifest:
    try:
        with tarfile.open(source, "r") as archive:
            names = {m.name for m in archive.getmembers() if m.isfile()}
            others = names - {MANIFEST, DUMP, PUBLIC}
            if not {MANIFEST, DUMP, PUBLIC} <= names or any(
                not n.startswith("media/") for n in others
            ):
                raise ArchiveInvalid("L’archive ne contient pas les fichiers attendus.")
            archive.extractall(work, filter="data")
        raw = json.loads((work / MANIFEST).read_text(encoding="utf-8"))
        manifest = Manifest(**raw)
    except (tarfile.TarError, OSError, ValueError, TypeError) as exc:
        raise ArchiveInvalid() from exc
    if manifest.format != FORMAT:
        raise ArchiveInvalid(f"Format d’archive {manifest.format} inconnu.")
    if set(manifest.checksums) != names - {MANIFEST}:
        raise ArchiveInvalid("L’archive ne contient pas les fichiers de son manifeste.")
    for name, expected in manifest.checksums.items():
        if _sha256(work / name) != expected:
            raise ArchiveInvalid(f"Le fichier {name} de l’archive a été altéré.")
    if manifest.schema != Tenant.schema_name_for(manifest.code):
        raise ArchiveInvalid("Le schéma de l’archive ne correspond pas à son code.")
    return manifest


def _check_migrations(manifest: Manifest) -> None:
    """This code must know every migration the archived schema has (it may know more)."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [f"{a}.{n}" for a, n in manifest.migrations if (a, n) not in known]
    if unknown:
        raise Refused(
            "L’archive vient d’une version plus récente de Parcours (migrations inconnues : "
            + ", ".join(unknown[:5])
            + ")."
        )


def _schema_exists(schema: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
        return cursor.fetchone() is not None


def _insert_rows(objects: Iterable[Any]) -> list[models.Model]:
    """Insert the archive's public rows that the target lacks; returns those inserted.

    Ids are kept: the restored schema's foreign keys point at them. A row of the same id that is
    someone else (another email, another RNA, another département's row) is a conflict.
    """
    inserted: list[models.Model] = []
    for deserialized in objects:
        row = deserialized.object
        model = type(row)
        existing = model._default_manager.filter(pk=row.pk).first()
        if existing is None:
            deserialized.save()
            inserted.append(row)
            continue
        identity = IDENTITY_FIELDS.get(model._meta.label_lower)
        owned = any(fk.related_model is Tenant for fk in _public_fks(model)) or model is Tenant
        if owned or (identity and getattr(existing, identity) != getattr(row, identity)):
            raise Conflict(
                f"La base cible a déjà un autre {model._meta.verbose_name} n° {row.pk} : "
                "restauration refusée."
            )
    return inserted


def _after_restore(tenant: Tenant) -> None:
    """What the restored schema needs beyond its rows: its PostgreSQL role.

    The archive carries no owner and no grant (`--no-owner --no-privileges`, since role names
    depend on the database), so the role is created if missing and granted on the restored
    schema here, with the call provisioning uses. The national role is ensured too: in a
    database rebuilt from another's dump, the row-level security policies of the public tables
    still name the other database's roles until they are written again for this one.
    """
    if roles_enabled():
        national_role_ensure()
        tenant_role_ensure(schema_name=tenant.schema_name)


def departement_restore(
    *, source: Path, replace: bool = False, actor_id: int | None = None
) -> Manifest:
    """Restore an archive into the current database under its own code.

    Other départements are untouched. An existing schema or Tenant of that code is refused
    unless `replace`, which drops them first. The public rows are written first and removed
    again if pg_restore (one transaction) fails: nothing half-restored is left.
    """
    connection.set_schema_to_public()
    with tempfile.TemporaryDirectory(prefix="parcours-restore-") as tmp:
        work = Path(tmp)
        manifest = _read_archive(source, work)
        _check_migrations(manifest)
        present = (
            _schema_exists(manifest.schema) or Tenant.objects.filter(code=manifest.code).exists()
        )
        if present and not replace:
            raise SchemaExists()
        try:
            objects = list(
                serializers.deserialize("json", (work / PUBLIC).read_text(encoding="utf-8"))
            )
        except serializers.base.DeserializationError as exc:
            raise ArchiveInvalid() from exc
        if not any(isinstance(o.object, Tenant) for o in objects):
            raise ArchiveInvalid("L’archive ne contient pas le département.")
        if present:
            # The schema first: its tables hold foreign keys to the Tenant's public rows.
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f'DROP SCHEMA IF EXISTS "{manifest.schema}" CASCADE')
                _delete_owned(manifest.code)
            shutil.rmtree(_media_folder(manifest.schema), ignore_errors=True)
        # Public rows before the schema: pg_restore validates the schema's foreign keys to them.
        with transaction.atomic():
            inserted = _insert_rows(objects)
            _reset_sequences({type(row) for row in inserted})
        result = subprocess.run(
            [
                str(tool("pg_restore")),
                "--single-transaction",
                "--exit-on-error",
                "--no-owner",
                "--no-privileges",
                f"--dbname={connection.settings_dict['NAME']}",
                str(work / DUMP),
            ],
            env=libpq_env(connection.settings_dict),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            _undo(inserted)
            raise OperationsError(f"pg_restore a échoué : {result.stderr.strip()[:500]}")
        _restore_media(work, manifest.schema)
        tenant = Tenant.objects.get(code=manifest.code)
        with transaction.atomic():
            _after_restore(tenant)
            audit_record(
                action="departement.restored",
                actor_id=actor_id,
                object_type="departement",
                object_id=tenant.code,
                data={"checksums": manifest.checksums, "replaced": present},
            )
    return manifest


def _delete_owned(code: str) -> None:
    """Delete the public rows of a département whose schema is already dropped.

    Plain DELETEs: Django's collector would look for rows in tenant tables (dossiers point at
    workflow variants) from the public schema, where those tables do not exist.
    """
    tenant = Tenant.objects.filter(code=code).first()
    if tenant is None:
        return
    with connection.cursor() as cursor:
        for row in reversed(_owned_rows(tenant)):
            cursor.execute(
                f'DELETE FROM "{row._meta.db_table}" WHERE "{row._meta.pk.column}" = %s',
                [row.pk],
            )


def _undo(inserted: list[models.Model]) -> None:
    """Remove the public rows a failed restore wrote (children first); the schema was not kept."""
    with transaction.atomic():
        for row in reversed(inserted):
            type(row)._default_manager.filter(pk=row.pk).delete()


def _reset_sequences(touched: set[type[models.Model]]) -> None:
    """Rows inserted with their ids leave the sequences behind: move them past the ids."""
    statements = connection.ops.sequence_reset_sql(no_style(), sorted(touched, key=str))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
