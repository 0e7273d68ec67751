"""National actions on départements."""

from __future__ import annotations

from django.db import transaction
from django_tenants.utils import schema_context

from parcours.audit.services import audit_record
from parcours.departements.provisioning import ProvisioningError, validate_codes
from parcours.queue import enqueue_on_commit


def departement_provision_request(*, codes: list[str], actor_id: int) -> list[str]:
    """Ask the workers to provision départements; refused whole if a code is unknown."""
    with schema_context("public"), transaction.atomic():
        wanted = validate_codes(codes=codes)
        if not wanted:
            raise ProvisioningError("Aucun département demandé.")
        from parcours.departements.tasks import provision_departement

        for code in wanted:
            audit_record(
                action="departement.provision_requested",
                actor_id=actor_id,
                object_type="departement",
                object_id=code,
            )
            enqueue_on_commit(
                provision_departement, schema_name="public", code=code, actor_id=actor_id
            )
        return wanted
