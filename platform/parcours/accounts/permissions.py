"""Every permission decision of the platform, in one place.

Pages (frontend.decorators) and endpoints (api.permissions) only ask this module. The rules:
- on a département's host, what a person may do comes from their active memberships *in that
  département*; national roles give nothing there (national users never see case data);
- on the national host, only national roles count;
- an association worker's object scope is their association(s) in that département.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import HttpRequest

from parcours.accounts.mfa import mfa_required, second_factor_done, second_factor_expected
from parcours.accounts.models import NATIONAL_ROLES, TENANT_ROLES, Membership, Role, User
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
    """
    memberships = tuple(_active_memberships(user_id).select_related("user"))
    if memberships:
        user = memberships[0].user
        for membership in memberships:
            membership.user = user  # one object for the person, as a separate read gives
    else:
        found = User.objects.filter(pk=user_id).first()
        if found is None:
            return None
        user = found
    setattr(user, _MEMBERSHIPS_ATTR, memberships)
    return user


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
