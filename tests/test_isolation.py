"""The isolation harness: every route, found by itself, against every wrong identity.

Routes are enumerated from both URL confs (national host, département host), pages and API
alike, so a route added by a later issue is covered without anyone listing it. For each one:
anonymous people get a redirect to the login page or 401; every role held in *another*
département, and every national role, gets 403 or 404 on a département's host; département
roles get 403 or 404 on the national host. Open routes must be declared below, on purpose.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import client_for

# Reachable without a role, on purpose. Anything else must be protected.
OPEN_ROUTES = {
    "frontend:login",
    "frontend:logout",
    "frontend:spaces",
    "frontend:go",
    "frontend:enter",
    "frontend:healthz",
    # The published release, disclosure-controlled: open data for everyone (national host).
    "frontend:open_data",
    "frontend:open_data_csv",
    "frontend:open_data_ods",
    # Its differentially private figures, each row with the ε it cost (national host).
    "frontend:open_data_dp_csv",
    "api:schema",
    "api:docs",
    "api:token",
}
# Open to any signed-in person on any host: their own account and national reference data.
SIGNED_IN_ROUTES = {
    "api:me",
    "api:my-memberships",
    "api:my-tokens",
    "api:my-token",
    "api:regions",
    "api:departements-reference",
    "api:nomenclatures",
    "api:legal-parameters",
    "api:legal-parameter-value",
    "api:associations",
    "api:association",
}

SAMPLE_ARGS: dict[str, Any] = {
    "pk": 1,
    "id": 1,
    "code": "31",
    "key": "psp_period_months",
}

TENANT_ROLES = ["prefet", "coordinator", "member", "dpo", "association_worker"]
NATIONAL_ROLES = ["national_operator", "national_analyst"]
DENIED = {403, 404}


@dataclass(frozen=True)
class Route:
    name: str
    path: str


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def routes(urlconf: str) -> list[Route]:
    found = []
    for name, pattern in _walk(get_resolver(urlconf).url_patterns):
        kwargs = {}
        for key, converter in pattern.pattern.converters.items():
            value = SAMPLE_ARGS.get(key, 1)
            if type(converter).__name__ == "UUIDConverter":
                value = uuid.uuid4()
            kwargs[key] = value
        found.append(Route(name, reverse(name, urlconf=urlconf, kwargs=kwargs)))
    return found


TENANT_ROUTES = routes("routes.tenant")
PUBLIC_ROUTES = routes("routes.public")
TENANT_NOT_OPEN = [r for r in TENANT_ROUTES if r.name not in OPEN_ROUTES]
PUBLIC_NOT_OPEN = [r for r in PUBLIC_ROUTES if r.name not in OPEN_ROUTES]
TENANT_ROLE_ROUTES = [r for r in TENANT_NOT_OPEN if r.name not in SIGNED_IN_ROUTES]
PUBLIC_ROLE_ROUTES = [r for r in PUBLIC_NOT_OPEN if r.name not in SIGNED_IN_ROUTES]


def _is_api(route: Route) -> bool:
    return route.path.startswith("/api/")


def _assert_denied_to_anonymous(response: Any, route: Route) -> None:
    if _is_api(route):
        assert response.status_code in {401, 403, 404}, (route, response.status_code)
    else:
        assert response.status_code == 302, (route, response.status_code)
        assert "/connexion/" in response["Location"], route


def test_routes_are_found_on_both_hosts() -> None:
    assert {"frontend:home", "api:me"} <= {r.name for r in TENANT_ROUTES}
    assert {"frontend:home", "api:departements"} <= {r.name for r in PUBLIC_ROUTES}


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("route", TENANT_NOT_OPEN, ids=lambda r: r.name)
def test_tenant_route_gives_nothing_to_anonymous(
    base: None, db: None, route: Route, method: str
) -> None:
    response = getattr(client_for(None, None, on="31"), method)(route.path)
    _assert_denied_to_anonymous(response, route)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("role", TENANT_ROLES + NATIONAL_ROLES)
@pytest.mark.parametrize("route", TENANT_ROLE_ROUTES, ids=lambda r: r.name)
def test_tenant_route_gives_nothing_to_other_departements_and_national_roles(
    base: None, db: None, route: Route, role: str, method: str
) -> None:
    code = None if role in NATIONAL_ROLES else "75"
    response = getattr(client_for(role, code, on="31"), method)(route.path)
    assert response.status_code in DENIED, (route, role, method, response.status_code)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("route", PUBLIC_NOT_OPEN, ids=lambda r: r.name)
def test_national_route_gives_nothing_to_anonymous(
    base: None, db: None, route: Route, method: str
) -> None:
    response = getattr(client_for(None, None, on=None), method)(route.path)
    _assert_denied_to_anonymous(response, route)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("role", TENANT_ROLES)
@pytest.mark.parametrize("route", PUBLIC_ROLE_ROUTES, ids=lambda r: r.name)
def test_national_route_gives_nothing_to_departement_roles(
    base: None, db: None, route: Route, role: str, method: str
) -> None:
    response = getattr(client_for(role, "31", on=None), method)(route.path)
    assert response.status_code in DENIED, (route, role, method, response.status_code)


def test_open_routes_are_exactly_the_declared_ones() -> None:
    """A view marked open (or an API view with the Open permission) must be listed above."""
    from api.permissions import Open

    marked_open = set()
    for urlconf in ("routes.tenant", "routes.public"):
        for name, pattern in _walk(get_resolver(urlconf).url_patterns):
            callback = pattern.callback
            view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
            if getattr(callback, "parcours_access", None) == "open":
                marked_open.add(name)
            elif view_class is not None:
                classes = getattr(view_class, "permission_classes", [])
                if any(c is Open or getattr(c, "__name__", "") == "AllowAny" for c in classes):
                    marked_open.add(name)
                if name in {"api:schema", "api:docs"}:
                    marked_open.add(name)  # drf-spectacular's views, served to anyone
    assert marked_open == OPEN_ROUTES


@pytest.mark.parametrize(
    "route", [r for r in TENANT_ROUTES if r.name in SIGNED_IN_ROUTES], ids=lambda r: r.name
)
def test_signed_in_routes_serve_no_tenant_data_to_other_departements(
    base: None, db: None, route: Route
) -> None:
    """Account and reference routes answer anyone signed in, but only with their own account."""
    path = route.path
    if route.name == "api:association":
        # A real association of the registry: ids are not 1 once a committed test has run.
        from parcours.associations.models import Association

        path = path.replace("/1/", f"/{Association.objects.order_by('pk').first().pk}/")  # type: ignore[union-attr]
    response = client_for("coordinator", "75", on="31").get(path)
    # A token by its id: the sample id is nobody's token of this person, so "not found".
    assert response.status_code == (404 if route.name == "api:my-token" else 200)
    assert b"coordinator.31@" not in response.content


# Routes every signed-in person may read, whose writes belong to the national operator alone.
OPERATOR_WRITES = {"api:associations", "api:association"}


@pytest.mark.parametrize("method", ["post", "put"])
@pytest.mark.parametrize(
    ("role", "code", "on"),
    [(role, "31", "31") for role in TENANT_ROLES]
    + [(role, "31", None) for role in TENANT_ROLES]
    + [("national_analyst", None, None)],
)
@pytest.mark.parametrize(
    "route", [r for r in TENANT_ROUTES if r.name in OPERATOR_WRITES], ids=lambda r: r.name
)
def test_signed_in_routes_refuse_writes_to_all_but_the_national_operator(
    base: None, db: None, route: Route, role: str, code: str | None, on: str | None, method: str
) -> None:
    from parcours.associations.models import Association

    before = list(Association.objects.order_by("pk").values_list("pk", "name"))
    payload = {"name": "Écrite par un autre rôle", "rna": "W313000123"}
    response = getattr(client_for(role, code, on=on), method)(
        route.path, payload, content_type="application/json"
    )
    # 405 where the resource has no such method at all (the registry is readable by everyone
    # signed in, so saying so reveals nothing); a refusal otherwise.
    refused = DENIED | (
        {405} if response.get("Allow") and method.upper() not in response["Allow"] else set()
    )
    assert response.status_code in refused, (route, role, method, response.status_code)
    assert list(Association.objects.order_by("pk").values_list("pk", "name")) == before
