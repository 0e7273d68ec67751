"""Background work on départements: provisioning, and the fan-out that beat relies on."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django_tenants.utils import schema_context

from parcours.audit.tasks import verify_chain
from parcours.departements.models import Tenant, TenantStatus
from parcours.departements.provisioning import tenant_provision
from parcours.queue import task_named


@shared_task(name="parcours.departements.tasks.provision_departement", acks_late=True)
def provision_departement(*, code: str, actor_id: int | None = None) -> dict[str, Any]:
    """Idempotent: provisioning an existing département changes nothing."""
    result = tenant_provision(code=code, actor_id=actor_id)
    return {"code": result.code, "created": result.created, "seconds": round(result.seconds, 3)}


def fan_out(task: Task | str, **kwargs: Any) -> int:
    """Send `task` (or the task registered under that name, `parcours.queue.task_named`) once
    per active département, each in its own schema context."""
    schemas = list(
        Tenant.objects.filter(status=TenantStatus.ACTIVE).values_list("schema_name", flat=True)
    )
    for schema in schemas:
        with schema_context(schema):
            (task_named(task) if isinstance(task, str) else task).apply_async(kwargs=kwargs)
    return len(schemas)


@shared_task(name="parcours.departements.tasks.verify_all_audit_chains")
def verify_all_audit_chains() -> int:
    """Nightly: every audit chain, the public one and each active département's."""
    verify_chain.apply_async()
    return fan_out(verify_chain) + 1
