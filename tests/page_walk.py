"""Every page of both URL confs, as each role sees it: the walk of the text and axe-core tests.

The routes are found as the isolation harness finds them (`tests/test_isolation.py`), so a page
added later is walked without anyone listing it. A route with an object in its address gets a
real one of the role's own département (`tests/isolation_objects.py` builds them); the national
routes with an id get the first row of their model. Only what answers 200 with HTML is a page:
downloads, redirects and refusals are other tests' business.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from tests.isolation_objects import NOT_OBJECTS, ROUTE_OBJECTS, Built, build
from tests.test_isolation import NATIONAL_ROLES, TENANT_ROLES, _walk, get_resolver

CODE = "31"
# Routes that are no page to read: probes of the platform's health, and the space switch (a
# redirect carrying a signed token).
NOT_PAGES = {"frontend:healthz", "frontend:livez", "frontend:readyz", "frontend:go"}


def _first(model_path: str) -> Callable[[], int]:
    def pk() -> int:
        module, name = model_path.rsplit(".", 1)
        model = getattr(__import__(module, fromlist=[name]), name)
        row = model.objects.order_by("pk").first()
        assert row is not None, model_path
        return int(row.pk)

    return pk


# National routes with an id: a row that exists in the public schema.
NATIONAL_OBJECTS: dict[str, dict[str, Callable[[], int]]] = {
    "frontend:association_edit": {"pk": _first("parcours.associations.models.Association")},
    "frontend:nomenclature_item": {"pk": _first("parcours.referentiel.models.NomenclatureItem")},
}


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    code: str | None  # the host: a département, or None for the national console


def _frontend(urlconf: str) -> Iterator[tuple[str, list[str]]]:
    for name, pattern in _walk(get_resolver(urlconf).url_patterns):
        if name.startswith("frontend:") and name not in NOT_PAGES:
            yield name, list(pattern.pattern.converters)


def tenant_pages() -> tuple[list[Page], Built]:
    """Every page of a département's host, with real objects of that département."""
    kinds = {
        kind
        for name, probe in ROUTE_OBJECTS.items()
        if name.startswith("frontend:") and probe.method == "get"
        for kind in probe.kinds.values()
    }
    built = build(code=CODE, kinds=kinds, attacked="75")
    _with_codes_worth_hiding()
    found = []
    for name, params in _frontend("routes.tenant"):
        kwargs: dict[str, Any] = {p: NOT_OBJECTS[p] for p in params if p in NOT_OBJECTS}
        probe = ROUTE_OBJECTS.get(name)
        if probe is not None:
            if probe.method != "get" or set(probe.kinds) - set(kwargs) - set(params):
                continue
            kwargs |= {param: built.ids[kind] for param, kind in probe.kinds.items()}
        if set(params) - set(kwargs):
            continue
        found.append(Page(name, reverse(name, urlconf="routes.tenant", kwargs=kwargs), CODE))
    return found, built


def _with_codes_worth_hiding() -> None:
    """Members of a college whose code is snake_case, as most codes are: a page printing the
    code instead of the name is then seen doing so."""
    from parcours.db import connection
    from parcours.departements.models import Tenant
    from tenants.commission.models import Member

    connection.set_tenant(Tenant.objects.get(code=CODE))
    try:
        Member.objects.update(college="police_securite_publique")
    finally:
        connection.set_schema_to_public()


def national_pages() -> list[Page]:
    found = []
    for name, params in _frontend("routes.public"):
        kwargs: dict[str, Any] = {p: NOT_OBJECTS[p] for p in params if p in NOT_OBJECTS}
        kwargs |= {p: pk() for p, pk in NATIONAL_OBJECTS.get(name, {}).items()}
        if set(params) - set(kwargs):
            continue
        found.append(Page(name, reverse(name, urlconf="routes.public", kwargs=kwargs), None))
    return found


# Who reads pages: every role where it works, and someone not signed in on both hosts.
READERS: list[tuple[str | None, str | None]] = (
    [(role, CODE) for role in TENANT_ROLES]
    + [(role, None) for role in NATIONAL_ROLES]
    + [(None, CODE), (None, None)]
)


def is_html_page(response: Any) -> bool:
    return response.status_code == 200 and response.get("Content-Type", "").startswith("text/html")
