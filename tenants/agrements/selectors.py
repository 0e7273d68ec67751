"""Reads of approvals in the current département's schema."""

from __future__ import annotations

import datetime as dt

from tenants.agrements.models import Agrement, AgrementStatus


def agrements_valid_on(*, day: dt.date) -> list[Agrement]:
    """Approvals in force on `day`, with their association (one query)."""
    return list(
        Agrement.objects.select_related("association")
        .filter(status=AgrementStatus.APPROVED, valid_from__lte=day, valid_until__gt=day)
        .order_by("association__name")
    )
