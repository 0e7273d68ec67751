"""The isolation harness: every route, found by itself, against every wrong identity.

Routes are enumerated from both URL confs (national host, département host), pages and API
alike, so a route added by a later issue is covered without anyone listing it. For each one:
anonymous people get a redirect to the login page or 401; every role held in *another*
département, and every national role, gets 403 or 404 on a département's host; département
roles get 403 or 404 on the national host. Open routes must be declared below, on purpose.

Every route of a département with an id in its address is also given a real object of
another département (tests/isolation_objects.py): the owner's role gets the route's ordinary
answer, so the object exists; from the attacked département's host it is "not found", exactly
as an id of nothing is. A route with an id and no object to give it fails the harness.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import client_for
from tests.isolation_objects import FACTORIES, NOT_OBJECTS, ROUTE_OBJECTS, Built, Probe, build

# Reachable without a role, on purpose. Anything else must be protected.
OPEN_ROUTES = {
    "frontend:login",
    "frontend:logout",
    "frontend:spaces",
    "frontend:go",
    "frontend:enter",
    # The sign-in's second step and the unlock link: they serve the session's own person.
    "frontend:second_factor",
    "frontend:second_factor_enrol",
    "frontend:login_unlock",
    "frontend:healthz",
    "frontend:livez",
    "frontend:readyz",
    # The footer's mandatory pages (accessibility, legal notice, personal data, site map).
    "frontend:accessibility",
    "frontend:legal_notice",
    "frontend:personal_data",
    "frontend:site_map",
    # The published release, disclosure-controlled: open data for everyone (national host).
    "frontend:open_data",
    "frontend:open_data_csv",
    "frontend:open_data_ods",
    # Its differentially private figures, each row with the ε it cost (national host).
    "frontend:open_data_dp_csv",
    # ProConnect's sign-in, its callback and the return from its sign-out (national host).
    "proconnect:start",
    "proconnect:callback",
    "proconnect:signed_out",
    "api:schema",
    "api:docs",
    "api:redoc",
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
                if name in {"api:schema", "api:docs", "api:redoc"}:
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


# --- Real objects of another département -------------------------------------------------------

OWNER, ATTACKED = "75", "31"
NOTHING = 2_000_000_000  # an id no row has (and that fits the integer columns)


def _object_parameters(urlconf: str) -> dict[str, set[str]]:
    """Each protected route with a parameter naming an object: those parameters."""
    found = {}
    for name, pattern in _walk(get_resolver(urlconf).url_patterns):
        if name in OPEN_ROUTES or name in SIGNED_IN_ROUTES:
            continue
        named = set(pattern.pattern.converters) - set(NOT_OBJECTS)
        if named:
            found[name] = named
    return found


TENANT_OBJECT_ROUTES = _object_parameters("routes.tenant")


class NotAnsweredAsNotFound(AssertionError):
    """The object was not given away, but the answer is not "not found"."""


# Routes whose domain function answers an unknown id with a refusal (400, or a page's error
# message) rather than NotInScope (404), each with the reason: they become strict xfails. None
# is left: an unknown approval, session, item, member or axis is NotInScope (404) everywhere.
UNKNOWN_ID_REFUSED: dict[str, str] = {}


def test_every_route_with_an_id_has_a_real_object_to_be_attacked_with() -> None:
    missing = {
        name: sorted(params)
        for name, params in TENANT_OBJECT_ROUTES.items()
        if name not in ROUTE_OBJECTS or set(ROUTE_OBJECTS[name].kinds) != params
    }
    assert not missing, (
        "Routes with an id and no real object for the isolation harness: add each to "
        f"ROUTE_OBJECTS in tests/isolation_objects.py, with a factory for its kind: {missing}"
    )
    assert set(ROUTE_OBJECTS) <= set(TENANT_OBJECT_ROUTES), "ROUTE_OBJECTS names a route gone"
    kinds = {kind for probe in ROUTE_OBJECTS.values() for kind in probe.kinds.values()}
    assert kinds <= set(FACTORIES)


def _send(client: Any, probe: Probe, path: str, built: Built) -> Any:
    body = probe.body(built) if probe.body else {}
    if probe.method == "get":
        return client.get(path)
    has_file = any(hasattr(value, "read") for value in body.values())
    if path.startswith("/api/") and not has_file:
        return client.post(path, body, content_type="application/json")
    return client.post(path, body)


def _body(response: Any) -> bytes:
    """The answer's bytes, a streamed document's included (a leak would be one)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def _said(client: Any, response: Any) -> str:
    """What the person is told: the page a redirect lands on, or the answer itself."""
    if response.status_code == 302:
        response = client.get(response["Location"])
    return _body(response).decode(errors="replace")


def _address(name: str, probe: Probe, ids: dict[str, int]) -> str:
    kwargs: dict[str, Any] = {
        p: NOT_OBJECTS[p] for p in TENANT_PARAMETERS[name] if p in NOT_OBJECTS
    }
    kwargs |= {param: ids[kind] for param, kind in probe.kinds.items()}
    return reverse(name, urlconf="routes.tenant", kwargs=kwargs)


TENANT_PARAMETERS = {
    name: list(pattern.pattern.converters)
    for name, pattern in _walk(get_resolver("routes.tenant").url_patterns)
}


def _attackable() -> list[Any]:
    return [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(raises=NotAnsweredAsNotFound, strict=True, reason=reason)]
            if (reason := UNKNOWN_ID_REFUSED.get(name))
            else [],
            id=name,
        )
        for name in sorted(ROUTE_OBJECTS)
    ]


@pytest.mark.parametrize("name", _attackable())
def test_a_real_object_of_another_departement_is_not_found(
    base: None, db: None, name: str, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    probe = ROUTE_OBJECTS[name]
    built = build(code=OWNER, kinds={*probe.kinds.values(), *probe.also}, attacked=ATTACKED)
    real = _address(name, probe, built.ids)
    nothing = _address(name, probe, {kind: NOTHING for kind in probe.kinds.values()})
    secrets = [s.encode() for s in built.secrets]

    # The object is real: in its own département, the route gives its ordinary answer.
    owner = client_for(probe.role, OWNER)
    answer = _send(owner, probe, real, built)
    assert answer.status_code == probe.status, (
        real,
        answer.status_code,
        _said(owner, answer)[:500],
    )
    if probe.shows:
        assert probe.shows in _said(owner, answer), (real, _said(owner, answer)[-2000:])
    elif answer.status_code == 302:
        assert "fr-alert--error" not in _said(owner, answer), (real, _said(owner, answer)[-2000:])
    else:
        assert answer.status_code < 400, (
            f"{real}: a refusal shows the object exists only by what it says (`shows`): "
            + _said(owner, answer)[-500:]
        )

    wrong: list[tuple[str, int]] = []
    # From the attacked département's host, each of its roles: what an id of nothing gets.
    for role in TENANT_ROLES:
        client = client_for(role, ATTACKED)
        attack = _send(client, probe, real, built)
        control = _send(client, probe, nothing, built)
        assert attack.status_code == control.status_code, (role, real, attack.status_code)
        assert not any(secret in _body(attack) for secret in secrets), (role, real)
        expected = {404} if role == probe.role else DENIED
        if attack.status_code not in expected:
            wrong.append((role, attack.status_code))
    # The owner's own roles and the national roles, on the attacked host: refused.
    for role, code in [(r, OWNER) for r in TENANT_ROLES] + [(r, None) for r in NATIONAL_ROLES]:
        response = _send(client_for(role, code, on=ATTACKED), probe, real, built)
        assert response.status_code in DENIED, (role, code, real, response.status_code)
        assert not any(secret in _body(response) for secret in secrets), (role, real)
    # And in the owner's département, an id of nothing is "not found" too.
    if (status := _send(owner, probe, nothing, built).status_code) != 404:
        wrong.append((f"{probe.role} of {OWNER}, id of nothing", status))
    if wrong:
        raise NotAnsweredAsNotFound(f"{real}: {wrong}")
