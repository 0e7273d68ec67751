"""What every page's layout needs: the site, where we are, the person's spaces and menu."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse

from frontend.page_names import page_name
from parcours.accounts.models import Role
from parcours.accounts.permissions import access_for


@dataclass(frozen=True)
class SiteConfig:
    """Stands in for django-dsfr's DsfrConfig row, so pages cost no query for it."""

    site_title: str = "Parcours"
    site_tagline: str = "Commissions départementales de lutte contre la prostitution"
    header_brand_html: str = "République<br>française"
    footer_brand_html: str = "République<br>française"
    footer_description: str = (
        "Parcours de sortie de la prostitution et d'insertion sociale et professionnelle "
        "(loi n° 2016-444 du 13 avril 2016)."
    )
    mourning: bool = False
    beta_tag: bool = True


SITE = SiteConfig()


def host_url(request: HttpRequest, code: str | None) -> str:
    """Home URL of a département's host (or of the national console), same scheme and port."""
    port = request.get_port()
    default = "443" if request.is_secure() else "80"
    suffix = f":{port}" if port and port != default else ""
    host = settings.BASE_DOMAIN if code is None else f"{code.lower()}.{settings.BASE_DOMAIN}"
    return f"{request.scheme}://{host}{suffix}/"


def navigation(roles: frozenset[Role], *, national: bool) -> list[dict[str, str]]:
    """The menu of these roles, on a département's host or the national one.

    It depends on nothing else than the URL configuration the request is served by: built once
    per process and combination, since reversing each of its URLs on every page was a
    noticeable part of rendering one. Each page gets its own copies.
    """
    items = _navigation(roles, national, get_urlconf(), get_script_prefix())
    return [dict(item) for item in items]


@lru_cache(maxsize=512)
def _navigation(
    roles: frozenset[Role], national: bool, urlconf: str | None, script_prefix: str
) -> tuple[dict[str, str], ...]:
    # urlconf and script_prefix are the key only: reverse() reads them from the request's
    # thread, which is where this runs.
    return tuple(_navigation_items(roles, national=national))


def _navigation_items(roles: frozenset[Role], *, national: bool) -> list[dict[str, str]]:
    if national:
        items = [{"label": "Départements", "url": reverse("frontend:home")}]
        if roles:
            items.append({"label": "Référentiel", "url": reverse("frontend:referentiel")})
            items.append({"label": "Associations", "url": reverse("frontend:associations")})
            items.append({"label": "Statistiques", "url": reverse("frontend:statistics")})
            items.append({"label": "Commissions", "url": reverse("frontend:oversight")})
        if Role.NATIONAL_OPERATOR in roles:
            items.append(
                {"label": "Second facteur", "url": reverse("frontend:second_factor_reset")}
            )
        return items if roles else []
    if not roles:
        return []
    items = [{"label": "Accueil", "url": reverse("frontend:home")}]
    if roles & {Role.COORDINATOR, Role.ASSOCIATION_WORKER}:
        items.append({"label": "Dossiers", "url": reverse("frontend:dossiers")})
    if Role.PREFET in roles:
        items.append(
            {
                "label": "Décisions à signer",
                "url": reverse("frontend:dossiers") + "?etat=avis_given",
            }
        )
    if Role.ASSOCIATION_WORKER in roles:
        items.append({"label": "Nouvelle personne", "url": reverse("frontend:person_new")})
    if roles & {Role.COORDINATOR, Role.PREFET, Role.MEMBER}:
        items.append({"label": "Commission", "url": reverse("frontend:commission_sessions")})
    if roles & {Role.COORDINATOR, Role.PREFET, Role.MEMBER, Role.DPO}:
        items.append({"label": "Membres", "url": reverse("frontend:commission_members")})
    if roles & {Role.COORDINATOR, Role.PREFET}:
        items.append({"label": "Agréments", "url": reverse("frontend:agrements")})
    if roles & {Role.COORDINATOR, Role.PREFET, Role.MEMBER}:
        items.append({"label": "Pilotage", "url": reverse("frontend:pilotage")})
    if Role.COORDINATOR in roles:
        items.append({"label": "Modèle de parcours", "url": reverse("frontend:workflow")})
        items.append({"label": "Droit d'accès", "url": reverse("frontend:privacy_exports")})
    if Role.DPO in roles:
        items.append({"label": "Conservation des données", "url": reverse("frontend:retention")})
        items.append({"label": "Journal d'audit", "url": reverse("frontend:privacy_trail")})
    return items


def layout_links() -> Mapping[str, str]:
    """The header's and footer's fixed links (sign-in and out, spaces, the footer's pages),
    reversed once per process and URL configuration like the menu: eight reversals on every
    page otherwise. The open-data page is the national host's (templatetags/links.py)."""
    return _layout_links(get_urlconf(), get_script_prefix())


@lru_cache(maxsize=16)
def _layout_links(urlconf: str | None, script_prefix: str) -> Mapping[str, str]:
    # Read-only: every page shares it.
    return MappingProxyType(
        {
            name: reverse(f"frontend:{name}")
            for name in (
                "login",
                "logout",
                "spaces",
                "site_map",
                "accessibility",
                "legal_notice",
                "personal_data",
            )
        }
        | {"open_data": reverse("frontend:open_data", urlconf=settings.PUBLIC_SCHEMA_URLCONF)}
    )


def layout(request: HttpRequest) -> dict[str, Any]:
    tenant = getattr(request, "tenant", None)
    context: dict[str, Any] = {
        "SITE_CONFIG": SITE,
        "current_tenant": tenant,
        "links": layout_links(),
    }
    match = getattr(request, "resolver_match", None)
    if match is not None:
        # The page's own name for its title; a view that passes `page_title` overrides it.
        context["page_title"] = page_name(match.view_name, national=tenant is None)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    access = access_for(request)
    spaces: list[dict[str, Any]] = []
    seen: set[str | None] = set()
    for membership in access.memberships:
        code = membership.tenant.code if membership.tenant else None
        if code in seen:
            continue
        seen.add(code)
        spaces.append(
            {
                "label": membership.tenant.name if membership.tenant else "Console nationale",
                "code": code,
                "url": "/"
                if (tenant.code if tenant else None) == code
                else reverse("frontend:go", kwargs={"code": code or "national"}),
                "current": (tenant.code if tenant else None) == code,
            }
        )
    context.update(
        {
            "spaces": spaces,
            "roles_here": sorted(role.label for role in access.roles),
            "nav_items": navigation(access.roles, national=tenant is None),
        }
    )
    return context
