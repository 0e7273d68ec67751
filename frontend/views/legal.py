"""The footer's mandatory pages, public on every host: accessibility statement, legal notice,
personal data, and the site map of the person's current space."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.decorators.http import require_GET

from frontend.decorators import open_page
from frontend.page_names import page_name
from parcours.accounts.permissions import access_for


@open_page
@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "legal/accessibility.html")


@open_page
@require_GET
def legal_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "legal/legal_notice.html", {"hosting": settings.PARCOURS_HOSTING})


@open_page
@require_GET
def personal_data(request: HttpRequest) -> HttpResponse:
    return render(request, "legal/personal_data.html")


def _pages(patterns: list[Any], namespace: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _pages(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.converters:
            found.append((f"{namespace}{entry.name}", entry))
    return found


@open_page
@require_GET
def site_map(request: HttpRequest) -> HttpResponse:
    """The pages of this host's URL conf the person may open here, named as their titles are."""
    national = getattr(request, "tenant", None) is None
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    roles = access_for(request).roles if signed_in else frozenset()
    entries = []
    for name, pattern in _pages(get_resolver(getattr(request, "urlconf", None)).url_patterns):
        label = page_name(name, national=national)
        if not label:
            continue  # not a page: a download, an action, a health probe
        allowed = getattr(pattern.callback, "parcours_roles", None)
        if allowed is None and getattr(pattern.callback, "parcours_access", None) != "open":
            continue
        if allowed is not None and not (roles & allowed):
            continue
        if name in NOT_IN_MAP or name == ("frontend:login" if signed_in else "frontend:spaces"):
            continue  # signing in is for who is not signed in; spaces are for who is
        entries.append({"label": label, "url": reverse(name)})
    return render(request, "legal/site_map.html", {"entries": entries})


# Steps of a sign-in, reached from the step before, not from a map.
NOT_IN_MAP = {
    "frontend:enter",
    "frontend:second_factor",
    "frontend:second_factor_enrol",
    "frontend:login_unlock",
}
