"""The PostgreSQL roles that confine each département's work (see parcours/db_backend/base.py).

Three kinds of sessions:
- a **département's role** (`<prefix>__dep_31`): every table of its own schema (the audit trail
  append-only: no UPDATE or DELETE), and in the public schema only the tables its code really
  uses, with only the verbs it uses (`TENANT_PUBLIC_GRANTS`), and in those whose rows belong
  to one département only its own rows (row-level security, `TENANT_ROWS`); no other
  département's schema;
- the **national role** (`<prefix>__national`): the public schema, no département's schema;
- the **owner**, the connecting user: migrations, provisioning, management commands, tests' set-up.

Roles are created and granted by the owner, idempotently: at provisioning (the département's,
with its schema, in the same transaction, never recorded in the provisioning script since the
name depends on the database) and after `migrate_schemas` (all of them, so a table added by a
migration is granted). Their names carry a prefix derived from the database name, because roles
are shared by every database of the server.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from parcours.db import connection
from parcours.db_backend.base import NATIONAL_SUFFIX, role_name, roles_enabled

PUBLIC = "public"
AUDIT_TABLE = "audit_auditevent"

# What a département's requests and tasks do in the public schema, table by table. Found by
# reading what tenant code touches, and checked by the test suite running every page, endpoint
# and task under the role. A table not listed here is refused to départements (and
# tests/parcours/departements/test_roles.py requires every public table to be listed here or in
# NATIONAL_ONLY, so that a new table is a decision, not an accident).
TENANT_PUBLIC_GRANTS: dict[str, str] = {
    # Signing in on a département's host, sessions, API tokens, one's own account.
    "accounts_user": "SELECT, INSERT, UPDATE",
    "accounts_membership": "SELECT, INSERT, UPDATE, DELETE",
    "accounts_apitoken": "SELECT, INSERT, UPDATE, DELETE",
    "django_session": "SELECT, INSERT, UPDATE, DELETE",
    "django_content_type": "SELECT",
    # Second factor devices (django-otp), when installed: checked and updated at sign-in.
    "otp_totp_totpdevice": "SELECT, INSERT, UPDATE, DELETE",
    "otp_static_staticdevice": "SELECT, INSERT, UPDATE, DELETE",
    "otp_static_statictoken": "SELECT, INSERT, UPDATE, DELETE",
    # National reference data: read only.
    "departements_tenant": "SELECT",
    "departements_domain": "SELECT",
    "referentiel_region": "SELECT",
    "referentiel_departement": "SELECT",
    "referentiel_nomenclatureitem": "SELECT",
    "referentiel_legalparameter": "SELECT",
    "associations_association": "SELECT",
    "workflows_workflowtemplate": "SELECT",
    # The State design system's site settings, read by every page's templates.
    "dsfr_dsfrconfig": "SELECT",
    "dsfr_dsfrsocialmedia": "SELECT",
    # A département adopts and adjusts its own variant of the national workflow (the previous
    # one stops being current).
    "workflows_workflowvariant": "SELECT, INSERT, UPDATE",
    # National statistics: a département replaces its own staging counts and status row.
    "reporting_release": "SELECT, UPDATE",
    "reporting_stagingcount": "SELECT, INSERT, DELETE",
    "reporting_commissionstatus": "SELECT, INSERT, UPDATE",
    # Published national figures (public once published): the coordination's own statistics
    # page sets its exact counts beside them.
    "reporting_publishedfigure": "SELECT",
    # National actions taken from a département's host (a membership granted) are audited in
    # the public trail: appended, never changed.
    AUDIT_TABLE: "SELECT, INSERT",
}


# Public tables a département writes whose rows belong to one département: row-level security
# keeps each département's role to its own rows (the national role and the owner see all). The
# column naming the département, what it holds ("id" or "code" of departements_tenant), and
# whether the other départements' rows may still be read (a person's memberships elsewhere are
# read to list her spaces; the statistics and workflow rows of others never are).
@dataclass(frozen=True)
class OwnRows:
    column: str
    holds: str
    others_readable: bool = False


TENANT_ROWS: dict[str, OwnRows] = {
    "accounts_membership": OwnRows("tenant_id", "id", others_readable=True),
    "workflows_workflowvariant": OwnRows("tenant_id", "id"),
    "reporting_stagingcount": OwnRows("departement", "code"),
    "reporting_commissionstatus": OwnRows("departement", "code"),
}
# The policies name no role (a dump restored on another server, where the roles of this one do
# not exist, keeps them): they compare `current_user` with the role names, which carry the
# database's prefix; `roles_sync` writes them again after a restore under another name.
ROWS_POLICY = "parcours_own_rows"
READ_POLICY = "parcours_read_all"

# Public tables a département never touches.
NATIONAL_ONLY: frozenset[str] = frozenset(
    {
        "django_migrations",
        "auth_group",
        "auth_group_permissions",
        "auth_permission",
        "authtoken_token",
        "reporting_nationalreport",
        "reporting_privacybudget",
        "reporting_privacyspend",
        "reporting_dpfigure",
    }
)

_DML = "SELECT, INSERT, UPDATE, DELETE"


def _quoted(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected identifier {name!r}")
    return f'"{name}"'


def role_of(schema_name: str) -> str:
    return role_name(database=str(connection.settings_dict["NAME"]), schema_name=schema_name)


def _execute(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(";\n".join(statements))


def _create_role(role: str) -> list[str]:
    """Idempotent even against a parallel provisioning creating the same role."""
    quoted = _quoted(role)
    statements = [
        "DO $$ BEGIN "
        f"CREATE ROLE {quoted} NOLOGIN NOINHERIT; "
        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
    ]
    # A superuser may SET ROLE to anyone; an owner with CREATEROLE only (PostgreSQL 16) is not
    # a member of the roles it creates unless it says so.
    statements.append(
        "DO $$ BEGIN IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) "
        f"THEN EXECUTE 'GRANT {quoted} TO ' || quote_ident(current_user); END IF; END $$"
    )
    return statements


def _serialise() -> None:
    # Two transactions granting on the same table at once fail ("tuple concurrently updated"):
    # parallel provisionings take turns here, until their commit.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('parcours:database_roles'))")


def _existing_public_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [PUBLIC])
        return {row[0] for row in cursor.fetchall()}


def national_role_ensure() -> str:
    """The national role exists and may use the public schema's tables (the trail append-only)."""
    role = role_of(PUBLIC)
    quoted = _quoted(role)
    statements = [
        *_create_role(role),
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT {_DML} ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {_DML} ON TABLES TO {quoted}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {quoted}",
    ]
    with transaction.atomic():
        _serialise()
        existing = _existing_public_tables()
        if AUDIT_TABLE in existing:
            statements.append(f"REVOKE UPDATE, DELETE ON public.{AUDIT_TABLE} FROM {quoted}")
        for table in sorted(TENANT_ROWS.keys() & existing):
            statements += _own_rows_policies(table=table, rows=TENANT_ROWS[table], national=role)
        _execute(statements)
    return role


def _own_rows_policies(*, table: str, rows: OwnRows, national: str) -> list[str]:
    """Row-level security on one table: the national role sees every row, a département's
    role the rows of the tenant whose schema its name ends with, and nobody else any (the
    owner, whose table it is, is not subject to it)."""
    prefix = national.removesuffix(NATIONAL_SUFFIX)
    if not prefix.endswith("__") or not prefix.replace("_", "").isalnum():
        raise ValueError(f"unexpected national role {national!r}")
    column, holds = _quoted(rows.column), _quoted(rows.holds)
    own = (
        f"current_user = '{national}' OR {column} = (SELECT {holds} FROM public.departements_tenant "
        f"WHERE '{prefix}' || schema_name = current_user)"
    )
    target = f"public.{_quoted(table)}"
    statements = [
        f"ALTER TABLE {target} ENABLE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {ROWS_POLICY} ON {target}",
        f"CREATE POLICY {ROWS_POLICY} ON {target} USING ({own}) WITH CHECK ({own})",
        f"DROP POLICY IF EXISTS {READ_POLICY} ON {target}",
    ]
    if rows.others_readable:
        statements.append(f"CREATE POLICY {READ_POLICY} ON {target} FOR SELECT USING (true)")
    return statements


def tenant_role_ensure(*, schema_name: str) -> str:
    """The département's role exists, with its schema and its few national tables."""
    role = role_of(schema_name)
    if role != role_of(PUBLIC).removesuffix(NATIONAL_SUFFIX) + schema_name:
        # Its rows in the national tables are found by this name (`_own_rows_policies`).
        raise ValueError(f"unexpected role name {role!r} for schema {schema_name!r}")
    quoted, schema = _quoted(role), _quoted(schema_name)
    statements = [
        *_create_role(role),
        f"GRANT USAGE ON SCHEMA {schema} TO {quoted}",
        f"GRANT {_DML} ON ALL TABLES IN SCHEMA {schema} TO {quoted}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted}",
        # Tables a later migration creates (run by the owner) are the département's too.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {_DML} ON TABLES TO {quoted}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {quoted}",
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
    ]
    with transaction.atomic():
        _serialise()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = %s",
                [schema_name, AUDIT_TABLE],
            )
            if cursor.fetchone():
                statements.append(f"REVOKE UPDATE, DELETE ON {schema}.{AUDIT_TABLE} FROM {quoted}")
        existing = _existing_public_tables()
        for table, verbs in sorted(TENANT_PUBLIC_GRANTS.items()):
            if table in existing:
                statements.append(f"GRANT {verbs} ON public.{_quoted(table)} TO {quoted}")
        _execute(statements)
    return role


def tenant_role_drop(*, schema_name: str) -> None:
    """Drop the département's role (after its schema): its grants on national tables go too."""
    role = role_of(schema_name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            return
        cursor.execute(f"DROP OWNED BY {_quoted(role)}; DROP ROLE {_quoted(role)}")


def schema_drop(*, schema_name: str) -> None:
    """Drop a département's schema and its role (tests, and an operator's clean-up)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {_quoted(schema_name)} CASCADE")
    tenant_role_drop(schema_name=schema_name)


def roles_sync(*, schema_names: list[str]) -> int:
    """Grant again what the roles need (after migrations): the national role and each of
    `schema_names`'. Returns the number of roles brought up to date."""
    if not roles_enabled():
        return 0
    national_role_ensure()
    for schema_name in schema_names:
        tenant_role_ensure(schema_name=schema_name)
    return len(schema_names) + 1
