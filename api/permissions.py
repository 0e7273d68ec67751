"""DRF's side of accounts.permissions: endpoints choose one of these, or get nothing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from parcours.accounts.models import Role
from parcours.accounts.permissions import (
    Forbidden,
    NotSignedIn,
    SecondFactorPending,
    WrongHost,
    access_for,
    check,
)

SECOND_FACTOR_PENDING = (
    "Second facteur requis : terminez la connexion avec votre code (page de connexion) ou "
    "demandez un jeton avec le champ `otp`."
)


class DenyByDefault(BasePermission):
    """The default: an endpoint that forgot to declare who may use it serves nobody."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return False


class Open(BasePermission):
    """Anyone, signed in or not (token exchange, schema): listed by the isolation tests."""

    parcours_access = "open"

    def has_permission(self, request: Request, view: Any) -> bool:
        return True


class SignedIn(BasePermission):
    """Any signed-in person, on any host (their own account, reference data)."""

    parcours_access = "protected"

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated
        return True


def implements(view: Any, request: Request) -> bool:
    """Whether the view has a handler for the request's method."""
    method = (request.method or "").lower()
    return method in view.http_method_names and hasattr(view, method)


def _role_permission(roles: Iterable[Role], *, national: bool) -> type[BasePermission]:
    allowed = frozenset(roles)

    class RolePermission(BasePermission):
        parcours_access = "protected"

        def has_permission(self, request: Request, view: Any) -> bool:
            try:
                check(request, roles=allowed, national=national)
            except WrongHost as exc:
                raise exceptions.NotFound from exc
            except NotSignedIn as exc:
                raise exceptions.NotAuthenticated from exc
            except SecondFactorPending as exc:
                raise exceptions.PermissionDenied(SECOND_FACTOR_PENDING) from exc
            except Forbidden as exc:
                raise exceptions.PermissionDenied from exc
            return True

    RolePermission.__name__ = ("National" if national else "Tenant") + "RolePermission"
    return RolePermission


def tenant_roles(roles: Iterable[Role]) -> type[BasePermission]:
    return _role_permission(roles, national=False)


def national_roles(roles: Iterable[Role]) -> type[BasePermission]:
    return _role_permission(roles, national=True)


def request_access(request: Request) -> Any:
    return access_for(request)


def read_write(*, read: type[BasePermission], write: type[BasePermission]) -> type[BasePermission]:
    """Reads (GET, HEAD, OPTIONS) checked by `read`, writes by `write`: one declaration per view."""

    class ReadWritePermission(BasePermission):
        parcours_access = "protected"

        def has_permission(self, request: Request, view: Any) -> bool:
            # A method the view lacks is judged as a read: who may read the resource learns it
            # is 405; anyone else is refused as for any other method.
            writes = request.method not in SAFE_METHODS and implements(view, request)
            chosen = write if writes else read
            return bool(chosen().has_permission(request, view))

    return ReadWritePermission
