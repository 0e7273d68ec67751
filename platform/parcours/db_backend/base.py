"""django-tenants' PostgreSQL backend, with each département's work confined to a role of its own.

The application already isolates départements (search_path, permission-checked selectors). This
backend adds PostgreSQL's own refusal underneath: while a request or a task of a département
runs, the session is `SET ROLE` to that département's role, which may use its own schema and a
few national tables only (`parcours.departements.roles`); national requests run under a role
that can use no département's schema at all. A raw query that names another département's
schema, by mistake or by a bug, then fails with *permission denied*.

`SET ROLE` travels with the `SET search_path` django-tenants already issues, in the same
statement (one round trip), and like it only when something changed: a request to the same
département as the previous one on this persistent connection sends nothing. Both settings are
transactional in PostgreSQL, and django-tenants already forgets the search_path on rollback and
savepoint rollback, which makes the role re-issued as well.

Who is confined is decided by the caller (`confine`): the routing middleware for a request, the
Celery signals for a task. Everything else (migrations, provisioning, management commands, the
tests' set-up) keeps the connecting user, the owner of every table.

Roles are cluster-wide while schemas belong to one database, and several databases of this
project share a server (tests, xdist workers, developers): a role's name starts with a prefix
derived from the database's name.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django_tenants.postgresql_backend import base as tenants_base
from django_tenants.utils import get_limit_set_calls, get_public_schema_name, quote_schema_name

ROLE_NAME_LIMIT = 63  # PostgreSQL's NAMEDATALEN - 1
_PREFIX_LIMIT = 40
_SAFE = re.compile(r"^[a-z0-9_]+$")
NATIONAL_SUFFIX = "national"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def role_prefix(database: str) -> str:
    """A role-name prefix unique to `database` on its server (database names are)."""
    clean = re.sub(r"[^a-z0-9_]", "_", database.lower())
    if clean != database or len(clean) > _PREFIX_LIMIT or "__" in clean:
        # Lower-casing or replacing characters could make two names meet: a digest keeps
        # them apart.
        clean = f"{clean[:28].rstrip('_')}_{_digest(database)}"
    return clean


def role_name(*, database: str, schema_name: str) -> str:
    """The role that works in `schema_name` of `database` (public: the national role)."""
    suffix = NATIONAL_SUFFIX if schema_name == get_public_schema_name() else schema_name
    name = f"{role_prefix(database)}__{suffix}"
    if len(name) > ROLE_NAME_LIMIT or not _SAFE.match(name):
        name = f"{name[:50]}_{_digest(name)}"[:ROLE_NAME_LIMIT]
    return name


def roles_enabled() -> bool:
    return bool(getattr(settings, "PARCOURS_DATABASE_ROLES", True))


class DatabaseWrapper(tenants_base.DatabaseWrapper):
    # Set by django-tenants' wrapper; declared for the type checker.
    search_path_set_schemas: list[str] | None
    _setting_search_path: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The schema whose role the session should run under; None: the connecting user.
        self.confined_to: str | None = None
        # The role the session was last set to, with the search_path (meaningful while
        # `search_path_set_schemas` is); None: RESET ROLE.
        self.role_issued: str | None = None
        self._role_names: dict[tuple[str, str], str] = {}
        super().__init__(*args, **kwargs)

    def role_for(self, schema_name: str) -> str:
        # Keyed by the database too: an operator's restore (or a test) may point this wrapper
        # at another database, whose roles have another prefix.
        key = (str(self.settings_dict["NAME"]), schema_name)
        name = self._role_names.get(key)
        if name is None:
            name = role_name(database=key[0], schema_name=schema_name)
            self._role_names[key] = name
        return name

    def confine(self, schema_name: str | None) -> str | None:
        """Run the next statements under `schema_name`'s role (None: the owner); returns the
        previous confinement, for the caller to restore. Sends nothing by itself."""
        previous = self.confined_to
        self.confined_to = schema_name
        return previous

    def wanted_role(self) -> str | None:
        if self.confined_to is None or not roles_enabled():
            return None
        return self.role_for(self.confined_to)

    def close(self) -> None:
        self.role_issued = None
        super().close()

    def _handle_search_path(self, cursor: Any = None) -> None:
        """django-tenants' `SET search_path`, followed by `SET ROLE` in the same statement."""
        if self._setting_search_path:
            return
        wanted = self.wanted_role()
        if get_limit_set_calls() and self.search_path_set_schemas and self.role_issued == wanted:
            return
        if not self.schema_name:
            raise ImproperlyConfigured(
                "Database schema not set. Did you forget to call set_schema() or set_tenant()?"
            )
        search_paths = self._get_cursor_search_paths()
        if self._transaction_failed():
            # The transaction is already lost: the next statement fails whatever we send, and
            # what we sent now would be rolled back with it. Re-issued after the rollback.
            self.search_path_set_schemas = None
            return
        role_sql = f'SET ROLE "{wanted}"' if wanted is not None else "RESET ROLE"
        paths = ",".join(quote_schema_name(s) for s in search_paths)
        role_only = self.search_path_set_schemas == search_paths
        self._setting_search_path = True
        # Only the role changes when the owner ran something between two requests on this
        # connection (a test's set-up, a shell), never between two requests of a server: sent on
        # the driver's cursor, so that a page's query count reads the same as in production.
        target = self.connection.cursor() if cursor is None or role_only else cursor
        try:
            # Never swallowed (django-tenants ignores errors here): a role that cannot be set
            # must stop the query, not let it run as the owner.
            target.execute(role_sql if role_only else f"SET search_path = {paths}; {role_sql}")
        except Exception:
            self.search_path_set_schemas = None
            raise
        else:
            self.search_path_set_schemas = search_paths
            self.role_issued = wanted
        finally:
            self._setting_search_path = False
            if target is not cursor:
                target.close()

    def _transaction_failed(self) -> bool:
        import psycopg2.extensions

        raw = self.connection
        return bool(
            raw is not None
            and raw.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_INERROR
        )
