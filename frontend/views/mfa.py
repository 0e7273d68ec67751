"""The second factor's pages: enrolment, verification, the operator's reset, the unlock link.

The rule itself (who needs a second factor, and what a session without one may read) lives in
parcours.accounts.mfa and .permissions; these pages only take the person through the steps.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from frontend.decorators import open_page, page
from parcours.accounts.mfa import (
    SecondFactorError,
    has_device,
    mfa_required_for,
    second_factor_done,
    second_factor_forget,
    second_factor_mark,
    second_factor_verify,
    totp_device_of,
    totp_enrolment_confirm,
    totp_enrolment_start,
    totp_qr_svg,
    totp_secret,
)
from parcours.accounts.models import User
from parcours.accounts.permissions import (
    NATIONAL_OPERATOR_ONLY,
    Access,
    access_for,
    access_forget,
)
from parcours.accounts.unlock import login_unlock_consume, login_unlock_peek


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=40,
        help_text="Les 6 chiffres affichés par votre application, ou un code de secours.",
        error_messages={
            "required": "Indiquez le code.",
            "max_length": "Ce code est trop long.",
        },
    )


class ResetForm(forms.Form):
    email = forms.EmailField(
        label="Adresse électronique de l'agent",
        error_messages={
            "required": "Indiquez l'adresse électronique de l'agent.",
            "invalid": "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.",
        },
    )
    reason = forms.CharField(
        label="Motif",
        max_length=500,
        help_text="Par exemple : téléphone perdu, identité vérifiée par rappel du service.",
        error_messages={
            "required": "Indiquez le motif de la réinitialisation.",
            "max_length": "Le motif ne doit pas dépasser 500 caractères.",
        },
    )


def _next(request: HttpRequest) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return "/"
    return next_url


def second_factor_step(request: HttpRequest, *, user: User, next_url: str) -> HttpResponse | None:
    """After a password (or a handoff without second factor): where the sign-in goes on.

    None when the account has no second factor to give (optional and not enrolled).
    """
    required = mfa_required_for(user=user)
    enrolled = has_device(user=user)
    second_factor_forget(request, expected=required or enrolled)
    if not (required or enrolled):
        return None
    target = reverse("frontend:second_factor" if enrolled else "frontend:second_factor_enrol")
    return HttpResponseRedirect(f"{target}?{urlencode({'next': next_url})}")


def landing(request: HttpRequest, next_url: str) -> str:
    """Where to go after signing in: `next`, unless this host has nothing for the person."""
    access = access_for(request)
    if access.roles or next_url != "/":
        return next_url
    spaces = {m.tenant.code if m.tenant else NATIONAL for m in access.memberships}
    if len(spaces) == 1:
        return reverse("frontend:go", kwargs={"code": spaces.pop()})
    return reverse("frontend:spaces")


NATIONAL = "national"


def _signed_in(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


@open_page
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    """The second step of a sign-in: a TOTP code or a recovery code."""
    user = _signed_in(request)
    if user is None:
        return HttpResponseRedirect(reverse("frontend:login"))
    next_url = _next(request)
    if second_factor_done(request):
        return HttpResponseRedirect(next_url)
    if not has_device(user=user):
        return HttpResponseRedirect(
            f"{reverse('frontend:second_factor_enrol')}?{urlencode({'next': next_url})}"
        )
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            method = second_factor_verify(user=user, code=form.cleaned_data["code"])
        except SecondFactorError as refused:
            form.add_error("code", " ".join(refused.reasons))
            status = 400
        else:
            second_factor_mark(request, method=method)
            access_forget(request)
            if method == "static":
                messages.warning(
                    request,
                    "Vous vous êtes connecté·e avec un code de secours : il ne servira plus. "
                    "Si vous avez perdu votre téléphone, demandez la réinitialisation de votre "
                    "second facteur à l'opérateur national.",
                )
            return HttpResponseRedirect(landing(request, next_url))
    elif request.method == "POST":
        status = 400
    context = {"form": form, "next": next_url, "page_title": "Second facteur"}
    return render(request, "accounts/second_factor.html", context, status=status)


@open_page
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    """First sign-in of an account without a device: scan, confirm with a code, keep the
    recovery codes (shown here once, never again)."""
    user = _signed_in(request)
    if user is None:
        return HttpResponseRedirect(reverse("frontend:login"))
    next_url = _next(request)
    if totp_device_of(user=user) is not None or (
        has_device(user=user) and not second_factor_done(request)
    ):
        # Enrolled already: a new device comes after a reset, never after a password alone.
        return HttpResponseRedirect(
            f"{reverse('frontend:second_factor')}?{urlencode({'next': next_url})}"
        )
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = totp_enrolment_confirm(user=user, code=form.cleaned_data["code"])
        except SecondFactorError as refused:
            form.add_error("code", " ".join(refused.reasons))
            status = 400
        else:
            second_factor_mark(request, method="totp")
            access_forget(request)
            shown = {
                "codes": codes,
                "next": landing(request, next_url),
                "page_title": "Codes de secours",
            }
            return render(request, "accounts/recovery_codes.html", shown)
    elif request.method == "POST":
        status = 400
    device = totp_enrolment_start(user=user)
    context: dict[str, object] = {
        "form": form,
        "next": next_url,
        "qr_svg": totp_qr_svg(device),
        "secret": totp_secret(device),
        "page_title": "Activer le second facteur",
    }
    return render(request, "accounts/second_factor_enrol.html", context, status=status)


@page(roles=NATIONAL_OPERATOR_ONLY, national=True)
@require_http_methods(["GET", "POST"])
def reset_view(request: HttpRequest, *, access: Access) -> HttpResponse:
    """The national operator removes an agent's second factor (a lost phone), with a motive."""
    from parcours.accounts.mfa import mfa_reset

    form = ResetForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        agent = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if agent is None:
            form.add_error("email", "Aucun compte n'a cette adresse.")
            status = 400
        else:
            try:
                removed = mfa_reset(
                    user=agent, actor_id=access.user_id or 0, reason=form.cleaned_data["reason"]
                )
            except SecondFactorError as refused:
                form.add_error("reason", " ".join(refused.reasons))
                status = 400
            else:
                messages.success(
                    request,
                    f"Second facteur de {agent.email} réinitialisé ({removed} dispositif(s) "
                    "retiré(s)) : il en enregistrera un nouveau à sa prochaine connexion.",
                )
                return HttpResponseRedirect(reverse("frontend:second_factor_reset"))
    elif request.method == "POST":
        status = 400
    context = {"form": form, "page_title": "Réinitialiser un second facteur"}
    return render(request, "national/second_factor_reset.html", context, status=status)


@open_page
@require_http_methods(["GET", "POST"])
def unlock_view(request: HttpRequest) -> HttpResponse:
    """The link mailed when an account's sign-in is suspended everywhere (accounts/unlock.py);
    it asks before it acts, so that a mail scanner opening the link spends nothing."""
    token = request.POST.get("jeton") or request.GET.get("jeton", "")
    user = login_unlock_peek(token=token) if len(token) < 500 else None
    if user is None or (
        request.method == "POST" and not login_unlock_consume(request=request, token=token)
    ):
        context = {"page_title": "Lien de déblocage"}
        return render(request, "accounts/unlock_invalid.html", context, status=400)
    if request.method == "GET":
        context = {"token": token, "page_title": "Débloquer la connexion"}
        return render(request, "accounts/unlock.html", context)
    messages.success(
        request, "Votre connexion est débloquée depuis ce navigateur : connectez-vous."
    )
    return HttpResponseRedirect(reverse("frontend:login"))
