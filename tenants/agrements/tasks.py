"""Daily: approvals by silence reach their date (idempotent), per département."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from tenants.agrements.services import agrements_tacit_apply


@shared_task(name="tenants.agrements.tasks.apply_tacit_approvals")
def apply_tacit_approvals() -> int:
    return len(agrements_tacit_apply(today=timezone.localdate()))


@shared_task(name="tenants.agrements.tasks.apply_all_tacit_approvals")
def apply_all_tacit_approvals() -> int:
    from parcours.departements.tasks import fan_out

    return fan_out(apply_tacit_approvals)
