"""parcours/workflows/definition.py: what a département may adjust; the law every definition keeps.

Pure functions on the shipped national template (definitions/psp-1.json); no database.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from parcours.workflows.definition import (
    DefinitionError,
    Workflow,
    apply_adjustments,
    known,
    legal_violations,
)
from parcours.workflows.services import DEFINITIONS

SHIPPED = json.loads((DEFINITIONS / "psp-1.json").read_text())

Definition = dict[str, Any]


@pytest.fixture
def template() -> Definition:
    return copy.deepcopy(SHIPPED)


def violations(definition: Definition) -> list[str]:
    names = known()
    return legal_violations(
        definition, known_guards=names["guards"], known_effects=names["effects"]
    )


def codes(documents: list[dict[str, Any]]) -> set[str]:
    return {d["code"] for d in documents}


# ---------------------------------------------------------------------------------------------
# apply_adjustments: what the law leaves open to a département
# ---------------------------------------------------------------------------------------------

HOME_VISIT = {
    "code": "home_visit",
    "label": "Visite à domicile",
    "after": "submitted",
    "roles": ["coordinator"],
}
HEALTH_CERTIFICATE = {
    "code": "health_certificate",
    "label": "Certificat médical",
    "kinds": ["first_request"],
}
INTERPRETER_FIELDS = {
    "type": "object",
    "properties": {"interpreter_needed": {"type": "boolean"}},
    "additionalProperties": False,
}


def _deadline_is(days: int) -> Callable[[Definition], bool]:
    return lambda merged: merged["deadlines"]["instruction_target_days"] == days


def _home_visit_is_a_detour_from_submitted(merged: Definition) -> bool:
    start, finish = (
        merged["transitions"]["start_home_visit"],
        merged["transitions"]["finish_home_visit"],
    )
    return (
        "home_visit" in merged["states"]
        and (start["from"], start["to"]) == (["submitted"], "home_visit")
        and (finish["from"], finish["to"]) == (["home_visit"], "submitted")
        and start["roles"] == finish["roles"] == ["coordinator"]
    )


@pytest.mark.parametrize(
    ("adjustments", "applied"),
    [
        pytest.param(
            {"deadlines": {"instruction_target_days": 1}},
            _deadline_is(1),
            id="deadline-lower-bound",
        ),
        pytest.param(
            {"deadlines": {"instruction_target_days": 365}},
            _deadline_is(365),
            id="deadline-upper-bound",
        ),
        pytest.param(
            {"options": {"early_end_of_pathway": True}},
            lambda merged: merged["options"]["early_end_of_pathway"] is True,
            id="option-boolean",
        ),
        pytest.param(
            {"documents": {"add": [HEALTH_CERTIFICATE]}},
            lambda merged: {**HEALTH_CERTIFICATE, "legal": False} in merged["documents"],
            id="add-non-legal-document",
        ),
        pytest.param(
            {"documents": {"add": [{**HEALTH_CERTIFICATE, "legal": True}]}},
            lambda merged: {**HEALTH_CERTIFICATE, "legal": False} in merged["documents"],
            id="an-added-document-is-never-legal",
        ),
        pytest.param(
            {"documents": {"remove": ["results_report"]}},
            lambda merged: "results_report" not in codes(merged["documents"]),
            id="remove-non-legal-results-report",
        ),
        pytest.param(
            {"extra_fields": INTERPRETER_FIELDS},
            lambda merged: merged["extra_fields"] == INTERPRETER_FIELDS,
            id="extra-fields-object-schema",
        ),
        pytest.param(
            {"extra_steps": [HOME_VISIT]},
            _home_visit_is_a_detour_from_submitted,
            id="extra-step-detour",
        ),
    ],
)
def test_lawful_adjustments_are_applied_and_the_result_stays_lawful(
    template: Definition, adjustments: Definition, applied: Callable[[Definition], bool]
) -> None:
    merged = apply_adjustments(template, adjustments)

    assert applied(merged)
    assert violations(merged) == []
    assert template == SHIPPED  # the template itself is never modified


def test_an_extra_step_leaves_the_legal_transitions_untouched(template: Definition) -> None:
    merged = apply_adjustments(template, {"extra_steps": [HOME_VISIT]})

    assert set(merged["transitions"]) - set(template["transitions"]) == {
        "start_home_visit",
        "finish_home_visit",
    }
    for name, transition in template["transitions"].items():
        assert merged["transitions"][name] == transition


@pytest.mark.parametrize(
    ("adjustments", "reason"),
    [
        pytest.param({"colour": "bleu"}, "« colour » n'est pas ajustable", id="unknown-key"),
        pytest.param({"period_months": 12}, "durée d'une période (6 mois)", id="period-months"),
        pytest.param({"max_total_months": 36}, "fixées par la loi", id="max-total-months"),
        pytest.param(
            {"legal_parameters": {"period_months": "x"}}, "fixées par la loi", id="legal-parameters"
        ),
        pytest.param({"transitions": {}}, "Les étapes légales", id="transitions"),
        pytest.param({"states": {}}, "Les étapes légales", id="states"),
        pytest.param(
            {"deadlines": {"instruction_target_days": 0}}, "entre 1 et 365", id="deadline-0"
        ),
        pytest.param(
            {"deadlines": {"instruction_target_days": 400}}, "entre 1 et 365", id="deadline-400"
        ),
        pytest.param(
            {"deadlines": {"instruction_target_days": "10"}}, "entre 1 et 365", id="deadline-string"
        ),
        pytest.param(
            {"deadlines": {"instruction_target_days": True}},
            "entre 1 et 365",
            id="deadline-boolean",
        ),
        pytest.param(
            {"deadlines": {"appeal_days": 10}}, "Délai inconnu : appeal_days", id="deadline-unknown"
        ),
        pytest.param(
            {"options": {"early_end_of_pathway": "oui"}},
            "vaut vrai ou faux",
            id="option-not-boolean",
        ),
        pytest.param(
            {"options": {"skip_commission": True}}, "Option inconnue", id="option-unknown"
        ),
        pytest.param(
            {"documents": {"remove": ["identity"]}},
            "« Pièce d'identité » est exigée",
            id="remove-legal-document",
        ),
        pytest.param(
            {"documents": {"remove": ["passport"]}},
            "Pièce inconnue : passport",
            id="remove-unknown-document",
        ),
        pytest.param(
            {"documents": {"add": [{"code": "identity", "label": "Autre", "kinds": ["renewal"]}]}},
            "existe déjà",
            id="add-existing-document",
        ),
        pytest.param(
            {"extra_fields": {"type": "array"}}, "type object", id="extra-fields-not-object"
        ),
        pytest.param(
            {"extra_fields": {"type": "object", "properties": {"state": {"type": "string"}}}},
            "noms réservés state",
            id="extra-fields-reserved-name",
        ),
        pytest.param(
            {"extra_fields": {"type": "object", "properties": {"x": {"type": "nombre"}}}},
            "schéma JSON invalide",
            id="extra-fields-invalid-json-schema",
        ),
        pytest.param(
            {"extra_fields": True},
            "type object",
            id="extra-fields-boolean-schema",
        ),
        pytest.param(
            {"extra_steps": [{**HOME_VISIT, "after": "authorised"}]},
            "non final",
            id="extra-step-after-final-state",
        ),
        pytest.param(
            {"extra_steps": [{**HOME_VISIT, "roles": ["member"]}]},
            "rôles autorisés invalides",
            id="extra-step-member",
        ),
        pytest.param(
            {"extra_steps": [{**HOME_VISIT, "code": "scheduled"}]},
            "déjà utilisé",
            id="extra-step-existing-code",
        ),
    ],
)
def test_unlawful_adjustments_are_refused_with_the_reason_in_french(
    template: Definition, adjustments: Definition, reason: str
) -> None:
    with pytest.raises(DefinitionError) as refused:
        apply_adjustments(template, adjustments)

    assert any(reason in r for r in refused.value.reasons), refused.value.reasons


def test_the_period_refusal_cites_six_months_and_the_law(template: Definition) -> None:
    with pytest.raises(DefinitionError) as refused:
        apply_adjustments(template, {"period_months": 12})

    assert refused.value.reasons == [
        "La durée d'une période (6 mois) et la durée totale (24 mois) sont fixées par la loi et ne "
        "peuvent pas être ajustées par un département."
    ]


def test_every_unlawful_adjustment_is_reported_at_once(template: Definition) -> None:
    with pytest.raises(DefinitionError) as refused:
        apply_adjustments(
            template,
            {"deadlines": {"instruction_target_days": 0}, "documents": {"remove": ["identity"]}},
        )

    assert len(refused.value.reasons) == 2


# ---------------------------------------------------------------------------------------------
# legal_violations: the invariants of the law (CASF L.121-9 II), on any merged definition
# ---------------------------------------------------------------------------------------------


def test_the_guards_and_effects_of_the_shipped_template_are_all_registered() -> None:
    names = known()
    named_guards = {g for t in SHIPPED["transitions"].values() for g in t.get("guards", [])}
    named_effects = {e for t in SHIPPED["transitions"].values() for e in t.get("effects", [])}

    assert named_guards <= names["guards"]
    assert named_effects <= names["effects"]


def test_the_shipped_template_is_lawful() -> None:
    assert violations(SHIPPED) == []


def _authorise_also_from_complete(d: Definition) -> None:
    d["transitions"]["authorise"]["from"].append("complete")


def _coordinator_may_authorise(d: Definition) -> None:
    d["transitions"]["authorise"]["roles"].append("coordinator")


def _authorise_without_commission_avis(d: Definition) -> None:
    d["transitions"]["authorise"]["guards"].remove("commission_avis_recorded")


def _refuse_without_association_avis(d: Definition) -> None:
    d["transitions"]["refuse"]["guards"].remove("association_avis_recorded")


def _no_commission_avis_step(d: Definition) -> None:
    del d["transitions"]["record_commission_avis"]


def _period_from_elsewhere(d: Definition) -> None:
    d["legal_parameters"]["period_months"] = "local_period_months"


def _total_from_elsewhere(d: Definition) -> None:
    d["legal_parameters"]["max_total_months"] = "local_max_months"


def _submit_without_ceiling(d: Definition) -> None:
    d["transitions"]["submit"]["guards"].remove("within_ceiling")


def _unknown_guard(d: Definition) -> None:
    d["transitions"]["schedule"]["guards"] = ["always_true"]


def _unknown_effect(d: Definition) -> None:
    d["transitions"]["schedule"]["effects"] = ["send_fax"]


def _to_unknown_state(d: Definition) -> None:
    d["transitions"]["adjourn"]["to"] = "postponed"


def _avis_given_entered_from_complete(d: Definition) -> None:
    d["transitions"]["fast_avis"] = {
        "label": "Avis rapide",
        "from": ["complete"],
        "to": "avis_given",
        "roles": ["coordinator"],
    }


def _no_authorisation_at_all(d: Definition) -> None:
    d["transitions"]["authorise"]["decision"] = False


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        pytest.param(
            _authorise_also_from_complete,
            "l'état complete peut être atteint sans passer par l'avis",
            id="decision-from-complete",
        ),
        pytest.param(
            _coordinator_may_authorise,
            "Seul le préfet décide (authorise)",
            id="decision-by-coordinator",
        ),
        pytest.param(
            _authorise_without_commission_avis,
            "Pas de décision sans avis de la commission (authorise)",
            id="no-commission-avis-guard",
        ),
        pytest.param(
            _refuse_without_association_avis,
            "Pas de décision sans avis de l'association (refuse)",
            id="no-association-avis-guard",
        ),
        pytest.param(
            _no_commission_avis_step,
            "L'avis de la commission doit être recueilli",
            id="avis-step-removed",
        ),
        pytest.param(_period_from_elsewhere, "psp_period_months (6 mois)", id="period-parameter"),
        pytest.param(_total_from_elsewhere, "psp_max_total_months (24 mois)", id="total-parameter"),
        pytest.param(_submit_without_ceiling, "plafond de 24 mois", id="submit-without-ceiling"),
        pytest.param(_unknown_guard, "Condition inconnue : always_true", id="unknown-guard"),
        pytest.param(_unknown_effect, "Effet inconnu : send_fax", id="unknown-effect"),
        pytest.param(
            _to_unknown_state,
            "La transition adjourn mène à un état inconnu (postponed)",
            id="unknown-state",
        ),
        pytest.param(
            _avis_given_entered_from_complete,
            "l'état avis_given peut être atteint sans passer par l'avis (fast_avis",
            id="decision-without-avis",
        ),
        pytest.param(
            _no_authorisation_at_all, "Le préfet doit pouvoir autoriser", id="no-authorisation"
        ),
    ],
)
def test_a_tampered_definition_is_refused_with_the_reason(
    template: Definition, tamper: Callable[[Definition], None], reason: str
) -> None:
    tamper(template)

    found = violations(template)

    assert any(reason in r for r in found), found


def _coordinator_authorises_without_decision_flag(d: Definition) -> None:
    d["transitions"]["fast_track"] = {
        "label": "Autorisation rapide",
        "from": ["complete"],
        "to": "authorised",
        "roles": ["coordinator"],
    }


def _avis_given_entered_by_a_looping_transition(d: Definition) -> None:
    d["transitions"]["reopen"] = {
        "label": "Rouvrir",
        "from": ["complete", "avis_given"],
        "to": "avis_given",
        "roles": ["coordinator"],
    }


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(
            _coordinator_authorises_without_decision_flag,
            id="non-decision-transition-to-authorised",
        ),
        pytest.param(
            _avis_given_entered_by_a_looping_transition,
            id="avis-given-entered-from-complete-by-a-loop",
        ),
    ],
)
def test_no_transition_reaches_a_decision_without_the_prefet_and_the_commission(
    template: Definition, tamper: Callable[[Definition], None]
) -> None:
    tamper(template)

    assert violations(template) != []


# ---------------------------------------------------------------------------------------------
# Workflow: the definition as the services read it
# ---------------------------------------------------------------------------------------------


def test_the_workflow_lists_the_transitions_open_from_a_state() -> None:
    workflow = Workflow.from_definition(SHIPPED)

    assert {t.name for t in workflow.transitions_from("scheduled")} == {
        "record_commission_avis",
        "adjourn",
    }
    assert workflow.transitions_from("authorised") == []


def test_the_workflow_lists_the_documents_each_kind_of_request_needs() -> None:
    workflow = Workflow.from_definition(SHIPPED)

    renewal = {d.code for d in workflow.required_documents("renewal")}
    first = {d.code for d in workflow.required_documents("first_request")}

    assert "results_report" in renewal
    assert "identity" not in renewal
    assert {"identity", "sworn_statement"} <= first
    assert "results_report" not in first


def test_the_workflow_marks_only_the_prefet_decisions() -> None:
    workflow = Workflow.from_definition(SHIPPED)

    decisions = {name for name, t in workflow.transitions.items() if t.decision}

    assert decisions == {"authorise", "refuse"}
    assert all(workflow.transitions[name].roles == {"prefet"} for name in decisions)
    assert workflow.initial == "draft"
    assert {code for code, s in workflow.states.items() if s.final} == {
        "authorised",
        "refused",
        "withdrawn",
    }


# ---------------------------------------------------------------------------------------------
# What callers ask the definition instead of naming states
# ---------------------------------------------------------------------------------------------


def test_the_shipped_template_answers_the_questions_callers_ask_it() -> None:
    workflow = Workflow.from_definition(SHIPPED)

    assert workflow.final_states == {"authorised", "refused", "withdrawn"}
    assert workflow.editable_states == {"draft", "incomplete"}
    assert workflow.awaiting_decision_states == {"avis_given"}
    assert workflow.authorised_states == {"authorised"}
    assert workflow.closed_without_authorisation_states == {"refused", "withdrawn"}
    assert workflow.instruction_states == {
        "submitted",
        "incomplete",
        "complete",
        "scheduled",
        "avis_given",
    }
    assert workflow.session_transitions == {"schedule", "adjourn", "record_commission_avis"}
    assert workflow.schedulable_states == {"complete"}
    assert workflow.on_agenda_states == {"scheduled"}
    assert {t.name for t in workflow.available_to(state="avis_given", roles={"prefet"})} == {
        "authorise",
        "refuse",
    }


def test_an_optional_step_is_no_session_step_and_its_state_no_final_one(
    template: Definition,
) -> None:
    merged = apply_adjustments(template, {"extra_steps": [HOME_VISIT]})
    workflow = Workflow.from_definition(merged)

    assert "home_visit" not in workflow.final_states
    assert not {"start_home_visit", "finish_home_visit"} & workflow.session_transitions


def test_an_unknown_form_is_refused_with_the_reason(template: Definition) -> None:
    template["transitions"]["submit"]["form"] = "questionnaire"

    assert "Formulaire inconnu : questionnaire." in violations(template)
