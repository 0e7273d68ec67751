"""Publishing templates and saving départements' variants; both refuse what breaks the law."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django_tenants.utils import schema_context

from parcours.audit.services import audit_record
from parcours.db import connection
from parcours.departements.models import Tenant
from parcours.workflows.definition import (
    DefinitionError,
    Workflow,
    apply_adjustments,
    legal_violations,
)
from parcours.workflows.models import WorkflowTemplate, WorkflowVariant

DEFINITIONS = Path(__file__).resolve().parent / "definitions"


def _check(definition: dict[str, Any]) -> None:
    reasons = legal_violations(definition)
    if reasons:
        raise DefinitionError(reasons)


def workflow_template_publish(
    *, definition: dict[str, Any], actor_id: int | None
) -> WorkflowTemplate:
    """Publish a new template version (idempotent for an identical version already published)."""
    _check(definition)
    with schema_context("public"), transaction.atomic():
        # Two processes publishing the same version (parallel provisioning adopts the national
        # template on first use): the second waits for the first to commit, then finds it.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [f"workflow-template:{definition['code']}:{definition['version']}"],
            )
        existing = WorkflowTemplate.objects.filter(
            code=definition["code"], version=definition["version"]
        ).first()
        if existing is not None:
            if existing.definition != definition:
                raise DefinitionError(
                    [
                        f"La version {definition['version']} est déjà publiée : publiez une nouvelle version."
                    ]
                )
            return existing
        template = WorkflowTemplate.objects.create(
            code=definition["code"],
            version=definition["version"],
            label=definition["label"],
            definition=definition,
        )
        audit_record(
            action="workflow.template_published",
            actor_id=actor_id,
            object_type="workflow_template",
            object_id=template.pk,
            data={"code": template.code, "version": template.version},
        )
        return template


@cache
def shipped_workflow(*, code: str = "psp") -> Workflow:
    """The latest template shipped with the code, read from its file (no database).

    What the API's routes and OpenAPI document are built from: the transitions of the law,
    each with its declared inputs. A département's optional steps are served by the generic
    route."""
    paths = sorted(
        DEFINITIONS.glob(f"{code}-*.json"), key=lambda path: int(path.stem.rsplit("-", 1)[1])
    )
    return Workflow.from_definition(json.loads(paths[-1].read_text()))


def workflow_templates_load() -> list[WorkflowTemplate]:
    """Publish the templates shipped with the code (definitions/*.json)."""
    return [
        workflow_template_publish(definition=json.loads(path.read_text()), actor_id=None)
        for path in sorted(DEFINITIONS.glob("*.json"))
    ]


def current_template(*, code: str) -> WorkflowTemplate:
    """The latest published version, publishing the shipped ones on first use."""
    template = WorkflowTemplate.objects.filter(code=code).order_by("-version").first()
    if template is None:
        workflow_templates_load()
        template = WorkflowTemplate.objects.filter(code=code).order_by("-version").first()
    if template is None:
        raise DefinitionError([f"Aucun modèle de parcours « {code} » n'est publié."])
    return template


def workflow_variant_save(
    *,
    tenant: Tenant,
    template: WorkflowTemplate,
    adjustments: dict[str, Any],
    actor_id: int | None,
) -> WorkflowVariant:
    """Adopt `template` in a département with `adjustments`; refused with reasons if unlawful.

    Saving what is already in force changes nothing (a repeated PUT, a double click): the
    current variant is returned and no new version of the rules appears.
    """
    merged = apply_adjustments(template.definition, adjustments)
    _check(merged)
    with schema_context("public"), transaction.atomic():
        # Only the variant rows are locked: the national template is read, never written, and a
        # département's role may not lock it (departements/roles.py).
        current = WorkflowVariant.objects.select_for_update(of=("self",)).filter(
            tenant=tenant, template__code=template.code, is_current=True
        )
        same = current.filter(template=template).first()
        if same is not None and same.adjustments == adjustments and same.definition == merged:
            return same
        current.update(is_current=False)
        variant = WorkflowVariant.objects.create(
            tenant=tenant,
            template=template,
            adjustments=adjustments,
            definition=merged,
            created_by_id=actor_id,
        )
        audit_record(
            action="workflow.variant_saved",
            actor_id=actor_id,
            object_type="workflow_variant",
            object_id=variant.pk,
            data={"tenant": tenant.code, "template": str(template), "keys": sorted(adjustments)},
        )
    return variant


def current_variant(*, tenant: Tenant, code: str = "psp") -> WorkflowVariant:
    """The variant new files of the département use; adopts the latest template if none."""
    variant = (
        WorkflowVariant.objects.select_related("template")
        .filter(tenant=tenant, template__code=code, is_current=True)
        .first()
    )
    if variant is not None:
        return variant
    return workflow_variant_save(
        tenant=tenant, template=current_template(code=code), adjustments={}, actor_id=None
    )
