"""Routes a request to its département by host name, or to the national console."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.template.response import TemplateResponse
from django.utils import timezone

from parcours.db import connection
from parcours.departements.models import Tenant
from parcours.departements.routing import tenant_for_host


def select_schema(tenant: Tenant | None) -> None:
    """Point the connection at the tenant's schema, without a redundant `SET search_path`.

    django-tenants' `set_tenant` always forgets the search_path it issued. When the persistent
    connection already sits on this schema with public included, keeping that knowledge saves
    one statement per request; `TENANT_LIMIT_SET_CALLS` then lets the next cursor reuse it.
    """
    if tenant is None:
        if connection.schema_name != settings.PUBLIC_SCHEMA_NAME:
            connection.set_schema_to_public()
        return
    if connection.schema_name == tenant.schema_name and connection.include_public_schema:
        connection.tenant = tenant
        return
    connection.set_tenant(tenant)


class TenantRoutingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        host, _ = split_domain_port(request.get_host())
        tenant: Tenant | None = None
        if host != settings.BASE_DOMAIN:
            tenant = tenant_for_host(host)
            if tenant is None or not tenant.is_active:
                select_schema(None)
                request.tenant = None  # type: ignore[attr-defined]
                request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
                response = TemplateResponse(
                    request,
                    "errors/unknown_host.html",
                    {"host": host, "suspended": tenant is not None},
                    status=404,
                )
                return response.render()
        select_schema(tenant)
        request.tenant = tenant  # type: ignore[attr-defined]
        if tenant is None:
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            return self.get_response(request)
        # Every date and time of a département is shown and read in its own zone (overseas too).
        with timezone.override(tenant.zone):
            return self.get_response(request)
