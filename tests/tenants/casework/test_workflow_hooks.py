"""tenants/casework/workflow_hooks.py: every guard and effect a definition may name has its code."""

from __future__ import annotations

from parcours.workflows.definition import GUARD_LABELS, EffectName, GuardName
from tenants.casework.workflow_hooks import EFFECTS, GUARDS


def test_every_guard_a_definition_may_name_has_its_code_and_its_french_label() -> None:
    assert set(GUARDS) == set(GuardName)
    assert set(GUARD_LABELS) == set(GuardName)


def test_every_effect_a_definition_may_name_has_its_code() -> None:
    assert set(EFFECTS) == set(EffectName)
