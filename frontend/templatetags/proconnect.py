"""`{% proconnect_button %}`: the State agents' sign-in, shown only when ProConnect is set up.

The button points at the national host whatever host shows it: the provider knows that
host's callback only, and the landing carries the person to their space afterwards.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse

from frontend.context_processors import host_url
from parcours.accounts.proconnect import proconnect_enabled

register = template.Library()


@register.inclusion_tag("accounts/_proconnect.html", takes_context=True)
def proconnect_button(context: template.Context) -> dict[str, Any]:
    if not proconnect_enabled():
        return {"url": None}
    request = context.get("request")
    path = reverse("proconnect:start", urlconf=settings.PUBLIC_SCHEMA_URLCONF)
    if request is None:
        return {"url": path}
    return {"url": host_url(request, None).rstrip("/") + path}
