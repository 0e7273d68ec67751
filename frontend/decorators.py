"""Every page goes through one of these; the isolation tests check that none escapes them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from parcours.accounts.models import Role
from parcours.accounts.permissions import Forbidden, NotSignedIn, WrongHost, check

View = Callable[..., HttpResponseBase]


def page(*, roles: Iterable[Role], national: bool) -> Callable[[View], View]:
    """Allow the view to people holding one of `roles` on this host; it receives `access`."""
    allowed = frozenset(roles)

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                access = check(request, roles=allowed, national=national)
            except WrongHost as exc:
                raise Http404 from exc
            except NotSignedIn:
                return redirect_to_login(request.get_full_path())
            except Forbidden as exc:
                raise PermissionDenied from exc
            return view(request, *args, access=access, **kwargs)

        wrapped.parcours_access = "protected"  # type: ignore[attr-defined]
        return wrapped

    return decorate


def open_page(view: View) -> View:
    """Mark a page that anyone may reach (login, health): the isolation tests list them."""
    view.parcours_access = "open"  # type: ignore[attr-defined]
    return view
