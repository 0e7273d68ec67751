"""Reads of approvals in the current département's schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import QuerySet
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.referentiel.selectors import MissingLegalParameter, legal_parameter_value
from parcours.storage import read_bytes
from tenants.agrements.models import Agrement, AgrementStatus


def agrements_valid_on(*, day: dt.date) -> list[Agrement]:
    """Approvals in force on `day`, with their association (one query)."""
    return list(
        Agrement.objects.select_related("association")
        .filter(status=AgrementStatus.APPROVED, valid_from__lte=day, valid_until__gt=day)
        .order_by("association__name")
    )


def acting_associations(*, access: Access) -> QuerySet[Agrement, Any]:
    """The person's associations whose approval is in force here today, as a subquery.

    An association acts, and reads its persons' files, only while approved: after a
    withdrawal or the end of its approval it sees and writes nothing here (its files are
    handed over). Used as `association_id__in=…`, it adds no round trip.
    """
    today = timezone.localdate()
    return Agrement.objects.filter(
        status=AgrementStatus.APPROVED,
        valid_from__lte=today,
        valid_until__gt=today,
        association_id__in=access.association_ids,
    ).values("association_id")


def agrements_visible(*, access: Access, day: dt.date) -> list[Agrement]:
    """Approvals in force that this person may see: an association worker sees only hers."""
    agrements = agrements_valid_on(day=day)
    if Role.ASSOCIATION_WORKER in access.roles and not access.has_any(
        {Role.COORDINATOR, Role.PREFET, Role.DPO}
    ):
        return [a for a in agrements if a.association_id in access.association_ids]
    return agrements


def tacit_warnings(*, today: dt.date, within_days: int = 30) -> list[tuple[Agrement, dt.date]]:
    """Requests that will be approved by silence within `within_days`: the coordination is warned."""
    warnings = []
    for agrement in Agrement.objects.filter(
        status__in=[AgrementStatus.REQUESTED, AgrementStatus.COMPLETE]
    ).select_related("association"):
        day = tacit_approval_on(agrement=agrement)
        if day is not None and today <= day <= today + dt.timedelta(days=within_days):
            warnings.append((agrement, day))
    return warnings


def legal_months(key: str, on: dt.date) -> int:
    return int(legal_parameter_value(key=key, on=on))


def complete_on(*, agrement: Agrement) -> dt.date | None:
    """When the file is (or was deemed) complete."""
    if agrement.complete_on:
        return agrement.complete_on
    if agrement.missing_items_requested_on is None:
        return agrement.requested_on  # no missing item asked in time: complete as received
    return None


def tacit_approval_on(*, agrement: Agrement) -> dt.date | None:
    """The day silence becomes approval: 4 months after the file is complete."""
    complete = complete_on(agrement=agrement)
    if complete is None:
        return None
    try:
        return complete + relativedelta(months=legal_months("approval_tacit_months", complete))
    except (OverflowError, ValueError, MissingLegalParameter):
        # A date stored before validation bounded them (year 1, year 9999): pages listing
        # approvals must still render; such a file has no tacit approval date to show.
        return None


def arrete_pdf(*, agrement_id: int) -> tuple[str, bytes] | None:
    """The file name and PDF of the arrêté attached to an approval decision, if any."""
    agrement = Agrement.objects.filter(pk=agrement_id).exclude(arrete_storage_name="").first()
    if agrement is None:
        return None
    return f"arrete-agrement-{agrement.pk}.pdf", read_bytes(agrement.arrete_storage_name)
