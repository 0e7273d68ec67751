"""Creating département schemas quickly, and identically to a migrated one.

Stock django-tenants replays every migration through Django's migration machinery for each new
schema (about half a second per schema, growing with the number of migrations). Here the
migrations run once per process into a scratch schema while every statement they send to
PostgreSQL is recorded; the result is one SQL script of unqualified DDL. Each new département
is then one `CREATE SCHEMA`, one `SET LOCAL search_path` and that script, in one transaction
with its tenant and domain rows: all or nothing. Because the script *is* what the migrations
executed, the schema is the migrated one (tests compare the catalogs).

One reordering: the foreign keys from the département's tables to national tables (users,
associations, workflow variants) are added last, just before the commit. Adding a foreign key
takes a SHARE ROW EXCLUSIVE lock on the referenced table, which conflicts with itself and with
every write to that table until the transaction ends; added in migration order, it made parallel
provisioning run one département at a time and held back national writes for the whole replay.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.utils import get_tenant_base_migrate_command_class

from parcours.audit.services import audit_record
from parcours.db import as_owner, connection
from parcours.db_backend.base import roles_enabled
from parcours.departements.models import Domain, Tenant, TenantStatus
from parcours.departements.roles import tenant_role_ensure
from parcours.departements.routing import forget_hosts
from parcours.errors import Refused
from parcours.referentiel.models import Departement


class ProvisioningError(Refused):
    """A provisioning request that cannot be carried out; nothing was created."""


@dataclass(frozen=True)
class Blueprint:
    fingerprint: str
    script: str
    # Foreign keys into the public schema, run at the end of the transaction (module docstring).
    public_links: str
    migrations: tuple[tuple[str, str], ...]
    statements: int


@dataclass(frozen=True)
class ProvisionResult:
    code: str
    created: bool
    tenant: Tenant
    seconds: float


_blueprint_cache: dict[str, Blueprint] = {}

# What the migrations send that is not part of the schema: Django's introspection (SELECT), the
# session's settings (SET, SHOW, RESET) and its own bookkeeping (django_migrations, written apart).
_SKIPPED_VERBS = {"SELECT", "SET", "SHOW", "RESET"}
# Except a SELECT that moves a sequence: a data migration's `SELECT setval(...)` (what
# `sqlsequencereset` writes after rows inserted with their ids) changes the schema's state. Left
# out of the script, a new département's sequence would start at 1 and hand out ids its rows
# already hold; it is replayed like any other statement.
_SEQUENCE_WRITE = re.compile(r"\b(setval|nextval)\s*\(", re.IGNORECASE)
_CREATED_TABLE = re.compile(r'^CREATE TABLE "(?P<table>[^"]+)"')
_FOREIGN_KEY = re.compile(
    r'^ALTER TABLE "[^"]+" ADD CONSTRAINT "(?P<name>[^"]+)" FOREIGN KEY \([^)]*\) '
    r'REFERENCES "(?P<table>[^"]+)"'
)


def _split_public_links(statements: list[str]) -> tuple[list[str], list[str]]:
    """Set apart the foreign keys to tables the script does not create, unless referred to later."""
    created = {m["table"] for s in statements if (m := _CREATED_TABLE.match(s))}
    local: list[str] = []
    links: list[str] = []
    for index, statement in enumerate(statements):
        match = _FOREIGN_KEY.match(statement)
        movable = (
            match is not None
            and match["table"] not in created
            and not any(match["name"] in later for later in statements[index + 1 :])
        )
        (links if movable else local).append(statement)
    return local, links


def _joined(statements: list[str]) -> str:
    return "".join(f"{statement};\n" for statement in statements)


@functools.cache
def migrations_on_disk() -> tuple[tuple[str, str], ...]:
    """Migration files do not change while a process runs: read them once."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return tuple(sorted(loader.disk_migrations))


@functools.cache
def _fingerprint(migrations: tuple[tuple[str, str], ...]) -> str:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    digest = hashlib.sha256()
    for key in migrations:
        module = loader.disk_migrations[key].__module__
        source = __import__(module, fromlist=["Migration"]).__file__ or ""
        digest.update(repr(key).encode())
        digest.update(Path(source).read_bytes())
    return digest.hexdigest()


def quote_schema(name: str) -> str:
    if not name.replace("_", "").isalnum() or name.lower() != name:
        raise ProvisioningError(f"Nom de schéma invalide : {name!r}")
    return f'"{name}"'


def migrate_schema_stock(*, schema_name: str) -> None:
    """Run the tenant migrations into an existing schema the way django-tenants does."""
    connection.set_schema(schema_name, include_public=False)
    MigrationRecorder(connection).ensure_schema()
    connection.set_schema(schema_name)
    try:
        call_command(
            get_tenant_base_migrate_command_class()(),
            verbosity=0,
            interactive=False,
            skip_checks=True,
        )
    finally:
        connection.set_schema_to_public()


def is_replayed(sql: str) -> bool:
    """Whether a statement the migrations sent belongs in the script (`_SKIPPED_VERBS`)."""
    verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    if 'INSERT INTO "django_migrations"' in sql:
        return False
    if verb == "SELECT":
        return _SEQUENCE_WRITE.search(sql) is not None
    return verb not in _SKIPPED_VERBS


def record_statements(*, run: Callable[[str], None]) -> list[str]:
    """The statements `run` sends to PostgreSQL while it migrates a scratch schema (its name is
    given to `run`), as SQL with their parameters bound, those the script replays only."""
    recorded: list[tuple[str, Any, bool]] = []

    def recorder(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if is_replayed(sql):
            recorded.append((sql, params, many))
        return execute(sql, params, many, context)

    scratch = f"blueprint_{uuid.uuid4().hex[:12]}"
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {quote_schema(scratch)}")
    try:
        with connection.execute_wrapper(recorder):
            run(scratch)
        with connection.cursor() as cursor:
            parts: list[str] = []
            for sql, params, many in recorded:
                if params is None:
                    parts.append(sql)
                elif many:
                    parts.extend(cursor.mogrify(sql, p).decode() for p in params)
                else:
                    parts.append(cursor.mogrify(sql, params).decode())
    finally:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {quote_schema(scratch)} CASCADE")
    return parts


def tenant_blueprint() -> Blueprint:
    """The DDL of a fresh département schema, recorded once per set of migrations."""
    migrations = migrations_on_disk()
    fingerprint = _fingerprint(migrations)
    cached = _blueprint_cache.get(fingerprint)
    if cached is not None:
        return cached

    parts = record_statements(run=lambda scratch: migrate_schema_stock(schema_name=scratch))
    local, links = _split_public_links([part.strip().rstrip(";") for part in parts])
    blueprint = Blueprint(fingerprint, _joined(local), _joined(links), migrations, len(parts))
    _blueprint_cache[fingerprint] = blueprint
    return blueprint


def _create_schema_from_blueprint(*, schema_name: str, blueprint: Blueprint) -> None:
    quoted = quote_schema(schema_name)
    values = ",".join(["(%s, %s, now())"] * len(blueprint.migrations))
    params = [part for key in blueprint.migrations for part in key]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {quoted}")
        cursor.execute(f"SET LOCAL search_path TO {quoted}, public")
        cursor.execute(blueprint.script)
        cursor.execute(
            f'INSERT INTO "django_migrations" ("app", "name", "applied") VALUES {values}', params
        )
    # SET LOCAL changed the session's search_path behind django-tenants' back: make it re-issue.
    connection.search_path_set_schemas = None


def _link_schema_to_public(*, schema_name: str, blueprint: Blueprint) -> None:
    if not blueprint.public_links:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL search_path TO {quote_schema(schema_name)}, public")
        cursor.execute(blueprint.public_links)
    connection.search_path_set_schemas = None


def _create_data_key(*, tenant: Tenant) -> None:
    """The département's encryption key is created with its schema, in the same transaction."""
    from tenants.casework.crypto import forget_keys, tenant_key_ensure

    forget_keys(schema_name=tenant.schema_name)
    connection.set_tenant(tenant)
    try:
        tenant_key_ensure()
    finally:
        connection.set_schema_to_public()


def tenant_provision(
    *, code: str, actor_id: int | None = None, method: str = "blueprint"
) -> ProvisionResult:
    """Create the département's schema, role, tenant and domain; do nothing if it already exists.

    Runs as the owner whoever calls it (a national request, a task): creating schemas and roles
    is beyond the national role, by design."""
    with as_owner():
        return _provision(code=code, actor_id=actor_id, method=method)


def _role_ensure(*, schema_name: str) -> None:
    # Not part of the recorded script: the role's name depends on the database.
    if roles_enabled():
        tenant_role_ensure(schema_name=schema_name)


def _provision(*, code: str, actor_id: int | None, method: str) -> ProvisionResult:
    if method not in {"blueprint", "stock"}:
        raise ProvisioningError(f"Méthode de provisionnement inconnue : {method!r}")
    started = time.perf_counter()
    code = code.strip().upper()
    connection.set_schema_to_public()
    reference = Departement.objects.select_related("region").filter(code=code).first()
    if reference is None:
        raise ProvisioningError(f"Code de département inconnu : {code!r}")
    existing = Tenant.objects.filter(code=code).first()
    if existing is not None:
        return ProvisionResult(code, False, existing, time.perf_counter() - started)

    schema_name = Tenant.schema_name_for(code)
    blueprint = tenant_blueprint() if method == "blueprint" else None
    with transaction.atomic():
        # Two processes provisioning the same département: the second waits, then sees it.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"provision:{code}"])
        existing = Tenant.objects.filter(code=code).first()
        if existing is not None:
            return ProvisionResult(code, False, existing, time.perf_counter() - started)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [schema_name]
            )
            if cursor.fetchone():
                raise ProvisioningError(
                    f"Le schéma {schema_name} existe sans commission enregistrée : "
                    "vérification manuelle nécessaire, rien n'a été modifié."
                )
        if blueprint is not None:
            _create_schema_from_blueprint(schema_name=schema_name, blueprint=blueprint)
        tenant = Tenant(
            schema_name=schema_name,
            code=code,
            name=reference.name,
            region=reference.region,
            status=TenantStatus.ACTIVE,
        )
        tenant.save()
        Domain.objects.create(
            domain=f"{code.lower()}.{settings.BASE_DOMAIN}", tenant=tenant, is_primary=True
        )
        if blueprint is not None:
            _create_data_key(tenant=tenant)
            _role_ensure(schema_name=schema_name)
            # From here to the commit, the national tables the schema points to are locked
            # against other writers (module docstring): keep this tail short, and take these
            # locks before the national audit chain's, as every provisioning does, so two
            # parallel ones cannot deadlock.
            _link_schema_to_public(schema_name=schema_name, blueprint=blueprint)
        # Adopting the national workflow now, not lazily on the first file: two first files
        # at once would otherwise race to create the département's current variant.
        from parcours.workflows.services import current_variant

        current_variant(tenant=tenant)
        audit_record(
            action="departement.provisioned",
            actor_id=actor_id,
            object_type="departement",
            object_id=code,
            data={"schema": schema_name, "method": method},
        )
    if blueprint is None:
        # The stock path: django-tenants' own migration of the new schema.
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_schema(schema_name)}")
        migrate_schema_stock(schema_name=schema_name)
        with transaction.atomic():
            _create_data_key(tenant=tenant)
            _role_ensure(schema_name=schema_name)
    forget_hosts()
    return ProvisionResult(code, True, tenant, time.perf_counter() - started)


# A request names at most every département there is; a longer list is refused before it is
# read, and a refusal names a few unknown codes, each cut short: the message a client gets back
# stays a sentence whatever it sent (100,000 codes once made a 64 KB error).
MAX_CODES = 101
UNKNOWN_CODES_SHOWN = 5
_CODE_SHOWN_LENGTH = 5


def validate_codes(*, codes: list[str]) -> list[str]:
    """Normalise requested codes; refuse the whole request if one is unknown, or if it names
    more codes than there are départements."""
    if len(codes) > MAX_CODES:
        raise ProvisioningError(
            f"Trop de codes : une demande porte sur {MAX_CODES} départements au plus."
        )
    wanted = [c.strip().upper() for c in codes if c.strip()]
    known = set(Departement.objects.filter(code__in=wanted).values_list("code", flat=True))
    unknown = list(dict.fromkeys(c for c in wanted if c not in known))
    if unknown:
        shown = [
            c if len(c) <= _CODE_SHOWN_LENGTH else f"{c[:_CODE_SHOWN_LENGTH]}…"
            for c in unknown[:UNKNOWN_CODES_SHOWN]
        ]
        more = len(unknown) - len(shown)
        raise ProvisioningError(
            "Code(s) de département inconnu(s) : "
            + ", ".join(shown)
            + (f" et {more} autre(s)" if more else "")
        )
    return list(dict.fromkeys(wanted))
