"""Every permission decision of the platform, in one place.

Pages (frontend.decorators) and endpoints (api.permissions) only ask this module. The rules:
- on a département's host, what a person may do comes from their active memberships *in that
  département*; national roles give nothing there (national users never see case data);
- on the national host, only national roles count;
- an association worker's object scope is their association(s) in that département.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from parcours.accounts.mfa import mfa_required, second_factor_done, second_factor_expected
from parcours.accounts.models import NATIONAL_ROLES, TENANT_ROLES, Membership, Role, User
from parcours.associations.models import Association
from parcours.departements.models import Tenant

_CACHE_ATTR = "_parcours_access"
# The active memberships read with the signed-in person (`signed_in_user`), until
# `access_for` takes them.
_MEMBERSHIPS_ATTR = "_parcours_memberships"


# Who reads a département's rules of the pathway, on the page and the API alike.
WORKFLOW_READERS = frozenset({Role.COORDINATOR, Role.PREFET, Role.ASSOCIATION_WORKER})


@dataclass(frozen=True)
class Access:
    """What the person behind a request may do where the request is routed."""

    user_id: int | None
    tenant: Tenant | None
    roles: frozenset[Role] = frozenset()
    association_ids: frozenset[int] = frozenset()
    memberships: tuple[Membership, ...] = field(default=(), repr=False)
    # Signed in with a password only, by an account that needs a second factor: no role yet.
    second_factor_pending: bool = False

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def has_any(self, roles: Iterable[Role]) -> bool:
        return bool(self.roles & frozenset(roles))

    @property
    def roles_text(self) -> str:
        """The roles as the audit trail records them ("coordinator,member")."""
        return ",".join(sorted(role.value for role in self.roles))


def _active_memberships(user_id: int) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user_id=user_id, is_active=True)
        .select_related("tenant", "association")
        .order_by("tenant__code", "role")
    )


def signed_in_user(*, user_id: int) -> User | None:
    """The person a session names, read with their active memberships in one query.

    Every signed-in request reads both (the authentication backends' `get_user`, then
    `access_for`); one join instead of two queries. Someone with no active membership left is
    read alone. The memberships ride on the user object for this request only: `access_for`
    takes them once, a later call (after `access_forget`) reads them afresh.

    The join is `_active_memberships(user_id).select_related("user")`, with its SQL built once
    per process (`_signed_in_statement`): on every request, the ORM spent three times as long
    composing that statement and filling its objects as PostgreSQL took to answer it.
    """
    statement, tables = _signed_in_statement()
    with connection.cursor() as cursor:
        cursor.execute(statement, [user_id])
        rows = cursor.fetchall()
    memberships = tuple(_joined_membership(row, tables) for row in rows)
    if memberships:
        user = memberships[0].user
        for membership in memberships:
            # One object for the person, as a separate read gives.
            Membership.user.field.set_cached_value(membership, user)
    else:
        found = User.objects.filter(pk=user_id).first()
        if found is None:
            return None
        user = found
    setattr(user, _MEMBERSHIPS_ATTR, memberships)
    return user


@dataclass(frozen=True)
class _Table:
    """One model's columns in the joined row: where they sit and how their values load."""

    model: type[Model]
    attnames: tuple[str, ...]
    start: int
    # (position, the field's converters), for the fields that have any (none today).
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...]], ...]

    @property
    def stop(self) -> int:
        return self.start + len(self.attnames)

    def load(self, row: tuple[Any, ...]) -> Model | None:
        values = list(row[self.start : self.stop])
        if values[0] is None:  # the left join found nothing (no tenant, no association)
            return None
        for position, functions in self.converters:
            for function in functions:
                values[position] = function(values[position], None, connection)
        return self.model.from_db(connection.alias, list(self.attnames), values)


# The joined models, the alias each gets in the statement, and the join that brings it.
_JOINS: tuple[tuple[type[Model], str, str], ...] = (
    (Membership, "m", ""),
    (User, "u", 'INNER JOIN "{table}" u ON u."id" = m."user_id"'),
    (Tenant, "t", 'LEFT OUTER JOIN "{table}" t ON t."id" = m."tenant_id"'),
    (Association, "a", 'LEFT OUTER JOIN "{table}" a ON a."id" = m."association_id"'),
)


@cache
def _signed_in_statement() -> tuple[str, tuple[_Table, ...]]:
    """The SQL of `signed_in_user`, from the models' own columns (a field added to one of them
    is read with it), and where each model's columns sit in a row. Ordered as
    `_active_memberships`: by département code (the national ones last), then role."""
    columns: list[str] = []
    tables: list[_Table] = []
    joins: list[str] = []
    for model, alias, join in _JOINS:
        fields = model._meta.concrete_fields
        converters = []
        for position, model_field in enumerate(fields):
            column = model_field.get_col(alias)  # the converters the ORM's compiler would apply
            functions = tuple(
                connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            )
            if functions:
                converters.append((position, functions))
        tables.append(
            _Table(
                model=model,
                attnames=tuple(f.attname for f in fields),
                start=len(columns),
                converters=tuple(converters),
            )
        )
        columns.extend(f'{alias}."{f.column}"' for f in fields)
        if join:
            joins.append(join.format(table=model._meta.db_table))
    statement = (
        f'SELECT {", ".join(columns)} FROM "{Membership._meta.db_table}" m '
        + " ".join(joins)
        + ' WHERE m."user_id" = %s AND m."is_active" ORDER BY t."code" ASC, m."role" ASC'
    )
    return statement, tuple(tables)


def _joined_membership(row: tuple[Any, ...], tables: tuple[_Table, ...]) -> Membership:
    membership, user, tenant, association = (table.load(row) for table in tables)
    assert isinstance(membership, Membership)
    Membership.user.field.set_cached_value(membership, user)
    Membership.tenant.field.set_cached_value(membership, tenant)
    Membership.association.field.set_cached_value(membership, association)
    return membership


def _memberships_taken(user: User) -> tuple[Membership, ...]:
    """The memberships read with `user` by `signed_in_user`, else read now."""
    memberships: tuple[Membership, ...] | None = getattr(user, _MEMBERSHIPS_ATTR, None)
    if memberships is None:
        return tuple(_active_memberships(user.pk))
    delattr(user, _MEMBERSHIPS_ATTR)
    return memberships


def memberships_of(request: HttpRequest) -> tuple[Membership, ...]:
    """All active memberships of the signed-in person (one query, cached on the request)."""
    return access_for(request).memberships


def access_for(request: HttpRequest) -> Access:
    cached: Access | None = getattr(request, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    tenant: Tenant | None = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        access = Access(user_id=None, tenant=tenant)
    else:
        memberships = _memberships_taken(user)
        if tenant is None:
            here = [m for m in memberships if m.tenant_id is None and m.role in NATIONAL_ROLES]
        else:
            here = [m for m in memberships if m.tenant_id == tenant.pk and m.role in TENANT_ROLES]
        # The one place where a missing second factor withholds every role (accounts/mfa.py):
        # pages and endpoints all ask `check`, selectors take the Access it returns.
        pending = (mfa_required(memberships) or second_factor_expected(request)) and not (
            second_factor_done(request)
        )
        if pending:
            here = []
        access = Access(
            user_id=user.pk,
            tenant=tenant,
            roles=frozenset(Role(m.role) for m in here),
            association_ids=frozenset(m.association_id for m in here if m.association_id),
            memberships=memberships,
            second_factor_pending=pending,
        )
    setattr(request, _CACHE_ATTR, access)
    return access


def access_forget(request: HttpRequest) -> None:
    """Drop the request's cached access (the sign-in changed during the request)."""
    if hasattr(request, _CACHE_ATTR):
        delattr(request, _CACHE_ATTR)


class NotSignedIn(Exception):
    """The request has no authenticated person."""


class Forbidden(Exception):
    """The person is signed in but has no role allowing this here."""


class WrongHost(Exception):
    """A national page asked on a département host, or the reverse."""


class SecondFactorPending(Exception):
    """Signed in with a password only, by an account that must give a second factor."""


def check(request: HttpRequest, *, roles: Iterable[Role], national: bool) -> Access:
    """Raise unless the request's person holds one of `roles` where the request is routed."""
    access = access_for(request)
    if national != (access.tenant is None):
        raise WrongHost
    if not access.is_authenticated:
        raise NotSignedIn
    if access.second_factor_pending:
        raise SecondFactorPending
    if not access.has_any(roles):
        raise Forbidden
    return access


# Role groups used by pages and endpoints; named so that a review reads them once.
ALL_TENANT_ROLES: frozenset[Role] = frozenset(TENANT_ROLES)
ALL_NATIONAL_ROLES: frozenset[Role] = frozenset(NATIONAL_ROLES)
NATIONAL_OPERATOR_ONLY: frozenset[Role] = frozenset({Role.NATIONAL_OPERATOR})


def access_of(*, user_id: int, tenant: Tenant | None) -> Access:
    """The access of a person in a département outside a request (demo data, scripts)."""
    memberships = tuple(_active_memberships(user_id))
    wanted = tenant.pk if tenant is not None else None
    here = [m for m in memberships if m.tenant_id == wanted]
    return Access(
        user_id=user_id,
        tenant=tenant,
        roles=frozenset(Role(m.role) for m in here),
        association_ids=frozenset(m.association_id for m in here if m.association_id),
        memberships=memberships,
    )
