"""The tenant: one département's commission, isolated in its own PostgreSQL schema."""

from __future__ import annotations

import zoneinfo

from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

# Overseas départements live in their own time zone; every other one in Paris's.
OVERSEAS_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "976": "Indian/Mayotte",
}


def zone_for(code: str) -> zoneinfo.ZoneInfo:
    """The time zone a département shows and reads dates and times in."""
    return zoneinfo.ZoneInfo(OVERSEAS_ZONES.get(code.upper(), "Europe/Paris"))


class TenantStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspendue"


class Tenant(TenantMixin):
    """A provisioned département. Départements not yet provisioned only exist as reference data."""

    code = models.CharField("code INSEE", max_length=3, unique=True)
    name = models.CharField(max_length=100)
    region = models.ForeignKey(
        "referentiel.Region", on_delete=models.PROTECT, related_name="tenants"
    )
    status = models.CharField(
        max_length=16, choices=TenantStatus.choices, default=TenantStatus.ACTIVE
    )
    provisioned_at = models.DateTimeField(auto_now_add=True)

    # Schemas are created by departements.provisioning (fast path), never by save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    @staticmethod
    def schema_name_for(code: str) -> str:
        return f"dep_{code.lower()}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zone_for(self.code)

    @staticmethod
    def code_for(schema_name: str) -> str:
        """The INSEE code behind a schema name, without a query (`dep_2a` → `2A`)."""
        return schema_name.removeprefix("dep_").upper()

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.ACTIVE


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]
