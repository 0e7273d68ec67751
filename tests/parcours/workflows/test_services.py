"""parcours/workflows/services.py: publishing national templates, saving a département's variant."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from django_tenants.utils import schema_context

from parcours.accounts.permissions import Access
from parcours.audit.models import AuditEvent
from parcours.departements.models import Tenant
from parcours.workflows.definition import DefinitionError
from parcours.workflows.models import WorkflowTemplate, WorkflowVariant
from parcours.workflows.services import (
    current_template,
    current_variant,
    workflow_template_publish,
    workflow_templates_load,
    workflow_variant_save,
)
from tests.tenants.casework.conftest import in31, prepare  # noqa: F401  (in31 is a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

ACTOR = 4242
LONGER_INSTRUCTION = {"deadlines": {"instruction_target_days": 60}}


@pytest.fixture
def psp() -> WorkflowTemplate:
    return current_template(code="psp")


def _public_events(action: str) -> list[AuditEvent]:
    with schema_context("public"):
        return list(AuditEvent.objects.filter(action=action))


def _current_variants(tenant: Tenant) -> list[WorkflowVariant]:
    return list(
        WorkflowVariant.objects.filter(tenant=tenant, template__code="psp", is_current=True)
    )


def test_loading_the_shipped_templates_twice_publishes_nothing_new() -> None:
    first = workflow_templates_load()
    published = len(_public_events("workflow.template_published"))

    second = workflow_templates_load()

    assert [t.pk for t in second] == [t.pk for t in first]
    assert WorkflowTemplate.objects.filter(code="psp").count() == len(first)
    assert len(_public_events("workflow.template_published")) == published


def test_a_published_version_cannot_be_changed(psp: WorkflowTemplate) -> None:
    changed = copy.deepcopy(psp.definition)
    changed["deadlines"]["instruction_target_days"] = 10

    with pytest.raises(DefinitionError, match="déjà publiée : publiez une nouvelle version"):
        workflow_template_publish(definition=changed, actor_id=ACTOR)

    psp.refresh_from_db()
    assert psp.definition["deadlines"]["instruction_target_days"] == 45


def test_an_unlawful_template_version_is_not_published(psp: WorkflowTemplate) -> None:
    unlawful = copy.deepcopy(psp.definition)
    unlawful["version"] = psp.version + 1
    unlawful["transitions"]["authorise"]["roles"] = ["coordinator"]

    with pytest.raises(DefinitionError) as refused:
        workflow_template_publish(definition=unlawful, actor_id=ACTOR)

    assert "Seul le préfet décide (authorise)." in refused.value.reasons
    assert not WorkflowTemplate.objects.filter(code="psp", version=psp.version + 1).exists()


def test_saving_a_variant_makes_it_the_only_current_one_and_is_audited(
    tenant31: Tenant, psp: WorkflowTemplate
) -> None:
    before = current_variant(tenant=tenant31)

    saved = workflow_variant_save(
        tenant=tenant31, template=psp, adjustments=LONGER_INSTRUCTION, actor_id=ACTOR
    )

    before.refresh_from_db()
    assert saved.pk != before.pk
    assert not before.is_current
    assert _current_variants(tenant31) == [saved]
    assert current_variant(tenant=tenant31) == saved
    assert saved.workflow.deadlines["instruction_target_days"] == 60
    assert saved.adjustments == LONGER_INSTRUCTION
    [event] = [e for e in _public_events("workflow.variant_saved") if e.object_id == str(saved.pk)]
    assert event.actor_id == ACTOR
    assert event.data == {"tenant": "31", "template": str(psp), "keys": ["deadlines"]}


def test_saving_a_variant_in_one_departement_leaves_the_others_alone(
    tenant31: Tenant, tenant75: Tenant, psp: WorkflowTemplate
) -> None:
    elsewhere = current_variant(tenant=tenant75)

    workflow_variant_save(
        tenant=tenant31, template=psp, adjustments=LONGER_INSTRUCTION, actor_id=ACTOR
    )

    assert _current_variants(tenant75) == [elsewhere]


@pytest.mark.parametrize(
    "adjustments",
    [
        pytest.param({"period_months": 12}, id="period"),
        pytest.param({"documents": {"remove": ["identity"]}}, id="legal-document"),
        pytest.param(
            {"extra_steps": [{"code": "x", "after": "refused", "roles": ["coordinator"]}]},
            id="step",
        ),
    ],
)
def test_an_unlawful_variant_is_refused_and_nothing_is_saved(
    tenant31: Tenant, psp: WorkflowTemplate, adjustments: dict
) -> None:
    before = current_variant(tenant=tenant31)
    variants = WorkflowVariant.objects.count()
    audited = len(_public_events("workflow.variant_saved"))

    with pytest.raises(DefinitionError) as refused:
        workflow_variant_save(
            tenant=tenant31, template=psp, adjustments=adjustments, actor_id=ACTOR
        )

    assert refused.value.reasons
    assert WorkflowVariant.objects.count() == variants
    assert _current_variants(tenant31) == [before]
    assert len(_public_events("workflow.variant_saved")) == audited


def test_a_file_keeps_the_rules_it_started_with(
    in31: Callable[[str], Access],  # noqa: F811
    psp: WorkflowTemplate,
) -> None:
    worker = in31("association_worker")
    started = prepare(worker)
    old_variant = started.workflow_variant_id

    new = workflow_variant_save(
        tenant=worker.tenant, template=psp, adjustments=LONGER_INSTRUCTION, actor_id=ACTOR
    )

    started.refresh_from_db()
    assert started.workflow_variant_id == old_variant != new.pk
    assert started.workflow_variant.workflow.deadlines["instruction_target_days"] == 45
    later = prepare(worker)
    assert later.workflow_variant_id == new.pk


@pytest.mark.django_db(transaction=True)
def test_two_processes_publishing_the_same_version_at_once_publish_it_once(
    committed: None, psp: WorkflowTemplate
) -> None:
    """Parallel provisioning adopts the national template on first use, from several processes."""
    import threading

    from django.db import connection

    definition = copy.deepcopy(psp.definition)
    definition["version"] = psp.version + 1
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def publish() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(workflow_template_publish(definition=definition, actor_id=ACTOR).pk)
        except Exception as exc:  # the outcome under test
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(outcomes) == 2 and all(isinstance(o, int) for o in outcomes), outcomes
    assert outcomes[0] == outcomes[1]
    assert WorkflowTemplate.objects.filter(code="psp", version=psp.version + 1).count() == 1
