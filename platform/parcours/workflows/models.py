"""Versioned workflow templates (national) and the variants départements adopt."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import Any

from django.db import models

from parcours.workflows.definition import Workflow


class WorkflowTemplate(models.Model):
    """One published version of a national template; never edited once files use it."""

    code = models.CharField(max_length=32)
    version = models.PositiveIntegerField()
    label = models.CharField(max_length=200)
    definition = models.JSONField()
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="workflow_template_version_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @cached_property
    def workflow(self) -> Workflow:
        return _workflow_of(("template", self.pk, self.published_at), lambda: self.definition)


class WorkflowVariant(models.Model):
    """A département's adoption of a template version, with its adjustments.

    Rows are immutable: saving new adjustments creates a new row, so a file keeps the exact
    rules it started with.
    """

    tenant = models.ForeignKey(
        "departements.Tenant", on_delete=models.CASCADE, related_name="workflow_variants"
    )
    template = models.ForeignKey(
        WorkflowTemplate, on_delete=models.PROTECT, related_name="variants"
    )
    adjustments = models.JSONField(default=dict, blank=True)
    definition = models.JSONField(help_text="template with the adjustments applied, validated")
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "template"],
                condition=models.Q(is_current=True),
                name="workflow_one_current_variant_per_template",
            )
        ]

    def __str__(self) -> str:
        return f"{self.template} ({self.tenant_id}) #{self.pk}"

    @cached_property
    def workflow(self) -> Workflow:
        return _workflow_of(("variant", self.pk, self.created_at), lambda: self.definition)


def variant_workflow(*, pk: int, created_at: datetime) -> Workflow:
    """The typed workflow of the variant `pk` created at `created_at`, its definition read only
    when this process has not built it yet: for a list that reads its files' columns, not
    their models (`tenants.casework.selectors.DossierRow`)."""
    return _workflow_of(
        ("variant", pk, created_at),
        lambda: WorkflowVariant.objects.values_list("definition", flat=True).get(pk=pk),
    )


# Templates and variants are immutable rows (a change is a new row), so the typed workflow of
# one is built once per process, not once per file of a list that selects its variant. The key
# carries the row's creation time besides its id: ids can start again (a flushed test database),
# a row created at another instant is another row.
_WORKFLOWS: dict[tuple[str, int, datetime], Workflow] = {}


def _workflow_of(
    key: tuple[str, int | None, datetime | None], definition: Callable[[], dict[str, Any]]
) -> Workflow:
    """`definition` is read only when the process has not built this row's workflow yet: a
    list of files defers its variants' definitions (`DossierQuerySet.with_rules`), whose JSON
    would otherwise be decoded once per row."""
    kind, pk, created = key
    if pk is None or created is None:  # not saved yet: nothing says it will not change
        return Workflow.from_definition(definition())
    workflow = _WORKFLOWS.get((kind, pk, created))
    if workflow is None:
        workflow = _WORKFLOWS[(kind, pk, created)] = Workflow.from_definition(definition())
    return workflow
