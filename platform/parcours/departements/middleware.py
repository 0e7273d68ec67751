"""Routes a request to its département by host name, or to the national console."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.template.response import TemplateResponse
from django.utils import timezone

from parcours.audit.services import reads_recorded_after
from parcours.db import confined, connection
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
        tenant = self._tenant(host)
        # The whole request runs under the département's PostgreSQL role, or the national one
        # (db_backend/base.py); the owner comes back after it, for whatever runs next in this
        # process. Nothing is sent here: the role goes with the next search_path, if it changed.
        with confined(tenant.schema_name if tenant is not None else settings.PUBLIC_SCHEMA_NAME):
            return self._route(request, host=host, tenant=tenant)

    @staticmethod
    def _tenant(host: str) -> Tenant | None:
        if host == settings.BASE_DOMAIN:
            return None
        tenant = tenant_for_host(host)
        return tenant if tenant is not None and tenant.is_active else None

    def _route(self, request: HttpRequest, *, host: str, tenant: Tenant | None) -> HttpResponse:
        if host != settings.BASE_DOMAIN and tenant is None:
            select_schema(None)
            request.tenant = None  # type: ignore[attr-defined]
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            response = TemplateResponse(
                request,
                "errors/unknown_host.html",
                {"host": host, "suspended": tenant_for_host(host) is not None},
                status=404,
            )
            return response.render()
        select_schema(tenant)
        request.tenant = tenant  # type: ignore[attr-defined]
        # The reads of personal data the view makes are written to the trail once it has
        # answered, outside its transaction (audit/services.py, audit_read).
        if tenant is None:
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            with reads_recorded_after():
                return self.get_response(request)
        # Every date and time of a département is shown and read in its own zone (overseas too).
        with timezone.override(tenant.zone), reads_recorded_after():
            return self.get_response(request)
