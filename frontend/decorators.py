"""Every page goes through one of these; the isolation tests check that none escapes them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, transaction
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase

from parcours.accounts.models import Role
from parcours.accounts.permissions import (
    Forbidden,
    NotSignedIn,
    SecondFactorPending,
    WrongHost,
    check,
)
from parcours.errors import DomainError, NotInScope
from parcours.hardening import page_error
from parcours.referentiel.selectors import MissingLegalParameter
from parcours.validation import DATA_ERROR_MESSAGE, MISSING_PARAMETER_MESSAGE

View = Callable[..., HttpResponseBase]
# Refusals a view may let escape: turned into a message, never a 500. The domain's family
# (parcours.errors) is translated here and only here.
REFUSALS = (DomainError, ValidationError, DataError)
# Where a password-only sign-in of an account that needs a second factor is sent.
SECOND_FACTOR_URL = "/connexion/second-facteur/"


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
            except SecondFactorPending:
                return redirect_to_login(request.get_full_path(), SECOND_FACTOR_URL)
            except Forbidden as exc:
                raise PermissionDenied from exc
            try:
                return view(request, *args, access=access, **kwargs)
            except NotInScope as exc:
                raise Http404 from exc
            except REFUSALS as exc:
                return refused_page(request, exc)

        wrapped.parcours_access = "protected"  # type: ignore[attr-defined]
        wrapped.parcours_roles = allowed  # type: ignore[attr-defined]  # read by the site map
        return wrapped

    return decorate


def refused_page(request: HttpRequest, exc: Exception) -> HttpResponseBase:
    """A refusal the view did not put on its form: nothing is kept, the person is told why.

    The request's transaction (ATOMIC_REQUESTS) is rolled back, so what the view wrote before
    the refusal is undone. The answer needs no database: after a DataError the transaction can
    run no query until it ends.
    """
    transaction.set_rollback(True)
    if isinstance(exc, MissingLegalParameter):
        reasons = [MISSING_PARAMETER_MESSAGE]
    elif isinstance(exc, DomainError):
        reasons = exc.reasons
    elif isinstance(exc, ValidationError):
        reasons = exc.messages
    else:
        reasons = [DATA_ERROR_MESSAGE]
    if request.method == "POST":
        for reason in reasons:
            messages.error(request, reason)
        return HttpResponseRedirect(request.get_full_path())
    return page_error(request, 400, " ".join(str(reason) for reason in reasons))


def open_page(view: View) -> View:
    """Mark a page that anyone may reach (login, health): the isolation tests list them."""
    view.parcours_access = "open"  # type: ignore[attr-defined]
    return view
