"""Reads about départements for the national console and the API (no case data)."""

from __future__ import annotations

from dataclasses import dataclass

from parcours.departements.models import Tenant
from parcours.referentiel.models import Departement


@dataclass(frozen=True)
class DepartementStatus:
    code: str
    name: str
    region: str
    status: str  # "not_provisioned", "active", "suspended"
    status_label: str
    host: str | None
    provisioned_at: str | None


STATUS_LABELS = {
    "not_provisioned": "Non provisionné",
    "active": "Active",
    "suspended": "Suspendue",
}


def departement_statuses() -> list[DepartementStatus]:
    """The 101 départements in INSEE order with their platform status: two queries."""
    tenants = {t.code: t for t in Tenant.objects.prefetch_related("domains").all()}
    rows = []
    for ref in Departement.objects.select_related("region").all():
        tenant = tenants.get(ref.code)
        status = tenant.status if tenant else "not_provisioned"
        primary = (
            next((d.domain for d in tenant.domains.all() if d.is_primary), None) if tenant else None
        )
        rows.append(
            DepartementStatus(
                code=ref.code,
                name=ref.name,
                region=ref.region.name,
                status=status,
                status_label=STATUS_LABELS[status],
                host=primary,
                provisioned_at=tenant.provisioned_at.isoformat() if tenant else None,
            )
        )
    return rows
