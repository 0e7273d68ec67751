"""Reads about accounts and memberships."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone
from django_tenants.utils import schema_context

from parcours.accounts.models import ApiToken, Membership, Role
from parcours.departements.models import Tenant


def membership_counts_by_role(*, tenant: Tenant) -> dict[str, int]:
    """Active people per role in a département (one query)."""
    rows = (
        Membership.objects.filter(tenant=tenant, is_active=True, user__is_active=True)
        .values("role")
        .annotate(n=Count("id"))
    )
    counts = {
        role.value: 0
        for role in Role
        if role.value not in {"national_operator", "national_analyst"}
    }
    counts.update({row["role"]: row["n"] for row in rows})
    return counts


def api_tokens_live(*, user_id: int) -> list[ApiToken]:
    """The person's tokens still usable now, newest first (public schema, one query)."""
    with schema_context("public"):
        return list(
            ApiToken.objects.filter(
                user_id=user_id, revoked_at__isnull=True, expires_at__gt=timezone.now()
            ).order_by("-created_at")
        )
