"""Sign-in, sign-out, the switcher between spaces and the error pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth import login, logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from frontend.context_processors import host_url
from frontend.decorators import open_page
from frontend.views.mfa import NATIONAL, landing, second_factor_step
from parcours.accounts.backends import PASSWORD_BACKEND
from parcours.accounts.handoff import (
    handoff_consume,
    handoff_peek,
    handoff_second_factor,
    handoff_token,
)
from parcours.accounts.mfa import second_factor_mark, second_factor_method
from parcours.accounts.middleware import session_bind_host
from parcours.accounts.permissions import access_for
from parcours.accounts.proconnect import proconnect_logout_url
from parcours.accounts.services import SignInRefused, handoff_record, password_sign_in
from parcours.hardening import api_error, is_api, page_error


class LoginForm(forms.Form):
    email = forms.EmailField(
        label="Adresse électronique",
        error_messages={
            "required": "Indiquez votre adresse électronique.",
            "invalid": "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.",
        },
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput,
        error_messages={"required": "Indiquez votre mot de passe."},
    )


@open_page
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = password_sign_in(
                request=request,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
            )
        except SignInRefused as refused:
            form.add_error(None, refused.message)
            status = 429 if refused.throttled else 200
        else:
            login(request, user)
            session_bind_host(request)
            return second_factor_step(request, user=user, next_url=next_url) or (
                HttpResponseRedirect(landing(request, next_url))
            )
    return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=status)


@open_page
def go_view(request: HttpRequest, code: str) -> HttpResponse:
    """Leave for another space, carrying the sign-in (see accounts.handoff)."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    access = access_for(request)
    allowed = {m.tenant.code.lower() if m.tenant else NATIONAL for m in access.memberships}
    if code.lower() not in allowed:
        # Only towards the person's own spaces: never a redirect to an arbitrary host.
        raise Http404
    target = host_url(request, None if code == NATIONAL else code)
    target_host = target.split("://", 1)[1].rstrip("/").rsplit(":", 1)[0]
    token = handoff_token(
        user=request.user, target_host=target_host, second_factor=second_factor_method(request)
    )
    return HttpResponseRedirect(f"{target}espaces/entrer/?{urlencode({'jeton': token})}")


@open_page
@require_http_methods(["GET", "POST"])
def enter_view(request: HttpRequest) -> HttpResponse:
    """Arrive from another space: open this host's session from the one-minute token, once
    the person confirmed it is theirs; never over another person's session."""
    host = request.get_host().rsplit(":", 1)[0].lower()
    token = request.POST.get("jeton") or request.GET.get("jeton", "")
    arriving = handoff_peek(token=token, host=host)
    if arriving is None:
        return HttpResponseRedirect(reverse("frontend:login"))
    if request.user.is_authenticated:
        if request.user.pk == arriving.pk:
            method = handoff_second_factor(token=token, host=host)
            if handoff_consume(token=token, host=host) and method:  # already here: spent
                second_factor_mark(request, method=method)
            return HttpResponseRedirect("/")
        context = {"arriving": arriving.email, "signed_in_as": request.user.email}
        return render(request, "accounts/enter.html", context, status=409)
    if request.method == "GET":
        return render(request, "accounts/enter.html", {"arriving": arriving.email, "token": token})
    method = handoff_second_factor(token=token, host=host)
    user = handoff_consume(token=token, host=host)
    if user is None:
        return HttpResponseRedirect(reverse("frontend:login"))
    login(request, user, backend=PASSWORD_BACKEND)
    session_bind_host(request)
    handoff_record(user=user, host=host)
    if method:
        second_factor_mark(request, method=method)
        return HttpResponseRedirect("/")
    return second_factor_step(request, user=user, next_url="/") or HttpResponseRedirect("/")


@open_page
@require_http_methods(["POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    # Signed in through ProConnect: its session ends too (asked before ours is forgotten).
    back = reverse("proconnect:signed_out", urlconf=settings.PUBLIC_SCHEMA_URLCONF)
    farewell = proconnect_logout_url(request=request, return_uri=host_url(request, None) + back[1:])
    logout(request)
    return HttpResponseRedirect(farewell or "/connexion/")


@open_page
def spaces_view(request: HttpRequest) -> HttpResponse:
    """The switcher: every space where the person has a membership (any host)."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    return render(request, "accounts/spaces.html", {"access": access_for(request)})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    context: dict[str, Any] = {}
    return render(request, "errors/403.html", context, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", {}, status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return api_error(400)
    message = "La requête n'a pas pu être comprise. Vérifiez l'adresse ou le formulaire."
    return page_error(request, 400, message)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return api_error(500)
    return HttpResponse(render_to_string("errors/500.html"), status=500)
