"""Pages of a département's space (`<code>.<base>`)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from frontend.decorators import page
from parcours.accounts.models import Role
from parcours.accounts.permissions import ALL_TENANT_ROLES, Access
from parcours.accounts.selectors import membership_counts_by_role
from parcours.audit.selectors import audit_events_since
from tenants.agrements.selectors import agrements_visible, tacit_warnings
from tenants.casework.selectors import reminders_for
from tenants.worklists import selectors as worklists


@page(roles=ALL_TENANT_ROLES, national=False)
def home(request: HttpRequest, *, access: Access) -> HttpResponse:
    """What each of the person's roles has to do today first, then the département's figures."""
    tenant = access.tenant
    assert tenant is not None
    today = timezone.localdate()
    counts = membership_counts_by_role(tenant=tenant)
    roles = [
        {"label": role.label, "count": counts.get(role.value, 0)}
        for role in Role
        if role.value in counts
    ]
    agrements = agrements_visible(access=access, day=today)
    can_see_audit = access.has_any({Role.COORDINATOR, Role.DPO, Role.PREFET})
    mine = access.roles
    queues = worklists.worklists_of(access=access, today=today)
    coordination = queues.coordination
    return render(
        request,
        "tenant/home.html",
        {
            "roles": roles,
            "people": sum(counts.values()),
            "agrements": agrements,
            "audit_30_days": (
                audit_events_since(since=timezone.now() - dt.timedelta(days=30))
                if can_see_audit
                else None
            ),
            "access": access,
            "reminders": coordination.reminders if coordination else reminders_for(access=access),
            "tacit_warnings": tacit_warnings(today=today) if Role.COORDINATOR in mine else [],
            # Each role's work queue, counted from the data (tenants/worklists).
            "coordination": coordination,
            "prefet": queues.prefet,
            "member": queues.member,
            "worker": queues.worker,
            "is_dpo": Role.DPO in mine,
        },
    )
