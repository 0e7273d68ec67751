"""The provider's sign-in form, with the knobs the tests turn (like an agent choosing, at their
identity provider, whether to use a second factor)."""

from __future__ import annotations

import json
import os
import time

import jwt
from django.conf import settings
from django.contrib.auth import authenticate, login
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from jwcrypto import jwk
from oauth2_provider.views import UserInfoView

FORM = """<!DOCTYPE html><html><body><form method="post">
<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">
<input type="hidden" name="next" value="{next}">
<input name="username"> <input name="password" type="password">
<label><input type="checkbox" name="second_factor" value="1"> second factor</label>
<select name="id_token"><option>valid</option><option>expired</option><option>forged</option></select>
<button>Sign in</button></form></body></html>"""


def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if request.method == "POST":
        user = authenticate(
            request, username=request.POST.get("username"), password=request.POST.get("password")
        )
        if user is not None:
            login(request, user)
            cache.set(
                f"knobs:{user.pk}",
                {
                    "acr": "eidas2" if request.POST.get("second_factor") else "eidas1",
                    "id_token": request.POST.get("id_token", "valid"),
                },
            )
            return HttpResponseRedirect(next_url)
        return HttpResponse("wrong credentials", status=403)
    return HttpResponse(FORM.format(csrf=get_token(request), next=escape(next_url)))


def userinfo_jwt(request: HttpRequest) -> HttpResponse:
    """django-oauth-toolkit's userinfo, answered as ProConnect does: a JWT signed like the ID
    token (issuer, audience, the provider's published key)."""
    response = UserInfoView.as_view()(request)
    if response.status_code != 200:
        return response
    pem = settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]
    claims = json.loads(response.content) | {
        "iss": settings.OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"],
        "aud": json.loads(os.environ["IDP_SETUP"])["client_id"],
        "iat": int(time.time()),
    }
    kid = jwk.JWK.from_pem(pem.encode()).thumbprint()
    token = jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid})
    return HttpResponse(token, content_type="application/jwt")
