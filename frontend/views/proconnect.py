"""ProConnect's pages on the national host: start, callback, return from the provider's sign-out.

The provider knows one callback address, the national host's; after the sign-in the usual
landing applies (a département's agent is carried to their space by the handoff).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from frontend.decorators import open_page
from frontend.views.mfa import landing, second_factor_step
from parcours.accounts.proconnect import (
    ProConnectRefused,
    proconnect_authorization_url,
    proconnect_enabled,
    proconnect_logout_returned,
    proconnect_sign_in,
)
from parcours.hardening import page_error

# What the person may do about it decides the status: retry (400), nothing here (403), later (503).
STATUS = {"state": 400, "provider_error": 400, "token": 400, "unavailable": 503}


def _refused(request: HttpRequest, refused: ProConnectRefused) -> HttpResponse:
    return page_error(request, STATUS.get(refused.reason, 403), refused.message)


@open_page
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    if not proconnect_enabled():
        raise Http404
    callback = request.build_absolute_uri(reverse("proconnect:callback"))
    try:
        return HttpResponseRedirect(
            proconnect_authorization_url(request=request, redirect_uri=callback)
        )
    except ProConnectRefused as refused:
        return _refused(request, refused)


@open_page
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    if not proconnect_enabled():
        raise Http404
    try:
        signed_in = proconnect_sign_in(request=request)
    except ProConnectRefused as refused:
        return _refused(request, refused)
    if not signed_in.second_factor:
        # The provider's acr proves no second factor: the account gives its own, if it has
        # one to give, before reading anything.
        step = second_factor_step(request, user=signed_in.user, next_url="/")
        if step is not None:
            return step
    return HttpResponseRedirect(landing(request, "/"))


@open_page
@require_GET
def signed_out(request: HttpRequest) -> HttpResponse:
    """The provider sends the browser back here after its own sign-out, with our state."""
    if not proconnect_logout_returned(state=request.GET.get("state", "")):
        return page_error(
            request,
            400,
            "Ce retour de déconnexion ProConnect n'est pas attendu. Votre session Parcours est "
            "fermée ; fermez votre navigateur si vous utilisez un poste partagé.",
        )
    return render(request, "accounts/proconnect_signed_out.html")
