"""The menu is built once per process for each roles and URL configuration, as it was per page."""

from __future__ import annotations

import pytest
from django.urls import set_urlconf

from frontend.context_processors import _navigation_items, navigation
from parcours.accounts.models import Role

ROLE_SETS = [
    frozenset(),
    frozenset({Role.COORDINATOR}),
    frozenset({Role.ASSOCIATION_WORKER}),
    frozenset({Role.PREFET, Role.MEMBER}),
    frozenset({Role.DPO}),
    frozenset({Role.NATIONAL_OPERATOR}),
]


@pytest.mark.parametrize(
    ("national", "urlconf"), [(False, "routes.tenant"), (True, "routes.public")]
)
@pytest.mark.parametrize("roles", ROLE_SETS)
def test_the_menu_is_the_one_built_for_the_page(
    roles: frozenset[Role], national: bool, urlconf: str
) -> None:
    set_urlconf(urlconf)
    try:
        expected = _navigation_items(roles, national=national)
        assert navigation(roles, national=national) == expected
        assert navigation(roles, national=national) == expected  # the kept one
    finally:
        set_urlconf(None)


def test_each_page_gets_its_own_menu() -> None:
    set_urlconf("routes.tenant")
    try:
        roles = frozenset({Role.COORDINATOR})
        first = navigation(roles, national=False)
        assert first, "the coordinator has a menu"
        first[0]["label"] = "changed by a page"
        first.append({"label": "added", "url": "/"})
        again = navigation(roles, national=False)
        assert again == _navigation_items(roles, national=False)
    finally:
        set_urlconf(None)
