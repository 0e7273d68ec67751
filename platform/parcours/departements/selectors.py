"""Reads about départements for the national console and the API (no case data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from parcours.audit.models import AuditEvent
from parcours.departements.models import Tenant
from parcours.referentiel.models import Departement


@dataclass(frozen=True)
class DepartementStatus:
    code: str
    name: str
    region: str
    status: str  # "not_provisioned", "requested", "active", "suspended"
    status_label: str
    host: str | None
    provisioned_at: str | None


STATUS_LABELS = {
    "not_provisioned": "Non provisionné",
    "requested": "Provisionnement en cours",
    "active": "Active",
    "suspended": "Suspendue",
}


# A provisioning asked for and not done within this delay is shown as not provisioned again
# (the worker failed or was lost; the operator asks again).
PROVISIONING_EXPECTED = dt.timedelta(minutes=15)


def departement_statuses() -> list[DepartementStatus]:
    """The 101 départements in INSEE order with their platform status: three queries."""
    tenants = {t.code: t for t in Tenant.objects.prefetch_related("domains").all()}
    requested = set(
        AuditEvent.objects.filter(
            action="departement.provision_requested",
            occurred_at__gte=timezone.now() - PROVISIONING_EXPECTED,
        ).values_list("object_id", flat=True)
    )
    rows = []
    for ref in Departement.objects.select_related("region").all():
        tenant = tenants.get(ref.code)
        status = (
            tenant.status
            if tenant
            else ("requested" if ref.code in requested else "not_provisioned")
        )
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
