"""A workflow definition as data, and the legal invariants every definition must keep.

The national template (definitions/*.json, loaded into `WorkflowTemplate`) encodes the law; a
département's variant may only adjust what the law leaves open (ADJUSTABLE). `apply_adjustments`
merges a variant into a template and `legal_violations` refuses a result that breaks an invariant,
with the reason in French.

The JSON is the only place that names states. The vocabulary a definition may cite is typed here:
its guards (`GuardName`), effects (`EffectName`), input forms (`FormName`) and clocks (`Clock`);
their code lives with the data they act on (tenants/casework/workflow_hooks.py and forms.py).
Callers never write a state's name: they ask the `Workflow` (its final states, a state's clock,
the states where the association may still edit the file, the transitions a commission session
fires, who may fire what). Transition names of the law (`submit`, the commission's avis) are
typed in `LegalTransition` because the invariants below are stated in their terms.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from parcours.errors import Refused

ADJUSTABLE = ("extra_fields", "extra_steps", "deadlines", "documents", "options")
TENANT_ROLES = {"prefet", "coordinator", "member", "association_worker", "dpo"}
DECISION_ROLE = "prefet"


class LegalTransition(StrEnum):
    """The transitions the law names, which the invariants and the commission refer to."""

    SUBMIT = "submit"
    REQUEST_MISSING_ITEMS = "request_missing_items"
    SCHEDULE = "schedule"
    ADJOURN = "adjourn"
    RECORD_COMMISSION_AVIS = "record_commission_avis"


AVIS_TRANSITION = LegalTransition.RECORD_COMMISSION_AVIS


class Clock(StrEnum):
    """What the processing-delay clock does while a file is in a state."""

    NONE = "none"  # not yet submitted
    RUNNING = "running"
    PAUSED = "paused"  # waiting on the association (missing items)
    STOPPED = "stopped"  # final


class GuardName(StrEnum):
    EVALUATION_SIGNED_OFF = "evaluation_signed_off"
    INSERTION_PROJECT_SIGNED = "insertion_project_signed"
    REQUIRED_DOCUMENTS_PRESENT = "required_documents_present"
    ASSOCIATION_AVIS_RECORDED = "association_avis_recorded"
    COMMISSION_AVIS_RECORDED = "commission_avis_recorded"
    WITHIN_CEILING = "within_ceiling"
    EXTRA_FIELDS_COMPLETE = "extra_fields_complete"


# How the Modèle de parcours page explains each guard to a coordination.
GUARD_LABELS: dict[GuardName, str] = {
    GuardName.EVALUATION_SIGNED_OFF: "l'évaluation des besoins est signée dans les trois domaines",
    GuardName.INSERTION_PROJECT_SIGNED: "le projet d'insertion est co-signé",
    GuardName.REQUIRED_DOCUMENTS_PRESENT: "les pièces exigées sont déposées",
    GuardName.ASSOCIATION_AVIS_RECORDED: "l'avis motivé de l'association est rendu",
    GuardName.COMMISSION_AVIS_RECORDED: "l'avis de la commission est rendu",
    GuardName.WITHIN_CEILING: "une période de plus reste dans la durée maximale de 24 mois",
    GuardName.EXTRA_FIELDS_COMPLETE: "les champs complémentaires du département sont remplis",
}


class EffectName(StrEnum):
    OPEN_PERIOD = "open_period"
    DECISION_LETTER = "decision_letter"
    NOTIFY_COORDINATION = "notify_coordination"
    NOTIFY_ASSOCIATION = "notify_association"
    CLOSE_WITHDRAWN_REQUEST = "close_withdrawn_request"


EFFECT_LABELS: dict[EffectName, str] = {
    EffectName.OPEN_PERIOD: "ouvre une période de six mois",
    EffectName.DECISION_LETTER: "produit la lettre de décision",
    EffectName.NOTIFY_COORDINATION: "prévient la coordination",
    EffectName.NOTIFY_ASSOCIATION: "prévient l'association",
    EffectName.CLOSE_WITHDRAWN_REQUEST: "clôt la demande retirée",
}


class FormName(StrEnum):
    """The inputs a transition asks for; each is declared once (tenants/casework/forms.py)."""

    NONE = ""
    COMMENT_REQUIRED = "comment_required"
    SCHEDULE = "schedule"
    COMMISSION_AVIS = "commission_avis"
    DECISION_AUTHORISE = "decision_authorise"
    DECISION_REFUSE = "decision_refuse"


RESERVED_FIELD_NAMES = {"id", "state", "kind", "person", "pathway", "association", "extra"}
DEADLINE_BOUNDS = (1, 365)


class DefinitionError(Refused, ValueError):
    """A definition or a variant that cannot be used; `reasons` says why, in French."""


@dataclass(frozen=True)
class State:
    code: str
    label: str
    final: bool
    clock: Clock


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    guards: tuple[GuardName, ...]
    effects: tuple[EffectName, ...]
    form: FormName
    decision: bool

    def may_be_fired_by(self, roles: set[str] | frozenset[str]) -> bool:
        return bool(self.roles & roles)


@dataclass(frozen=True)
class DocumentType:
    code: str
    label: str
    kinds: frozenset[str]
    legal: bool


@dataclass(frozen=True)
class Workflow:
    """An effective workflow: a template version with a département's adjustments applied."""

    code: str
    version: int
    initial: str
    states: dict[str, State]
    transitions: dict[str, Transition]
    documents: tuple[DocumentType, ...]
    deadlines: dict[str, int]
    options: dict[str, Any]
    extra_fields: dict[str, Any]
    legal_parameters: dict[str, str]

    @classmethod
    def from_definition(cls, data: dict[str, Any]) -> Workflow:
        return cls(
            code=data["code"],
            version=int(data["version"]),
            initial=data["initial"],
            states={
                code: State(code, s["label"], bool(s.get("final")), Clock(s.get("clock", "none")))
                for code, s in data["states"].items()
            },
            transitions={
                name: Transition(
                    name=name,
                    label=t["label"],
                    sources=frozenset(t["from"]),
                    target=t["to"],
                    roles=frozenset(t["roles"]),
                    guards=tuple(GuardName(g) for g in t.get("guards", ())),
                    effects=tuple(EffectName(e) for e in t.get("effects", ())),
                    form=FormName(t.get("form", "")),
                    decision=bool(t.get("decision")),
                )
                for name, t in data["transitions"].items()
            },
            documents=tuple(
                DocumentType(d["code"], d["label"], frozenset(d["kinds"]), bool(d.get("legal")))
                for d in data["documents"]
            ),
            deadlines=dict(data["deadlines"]),
            options=dict(data["options"]),
            extra_fields=dict(data.get("extra_fields") or {}),
            legal_parameters=dict(data["legal_parameters"]),
        )

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions.values() if state in t.sources]

    def required_documents(self, kind: str) -> list[DocumentType]:
        return [d for d in self.documents if kind in d.kinds]

    def clock(self, state: str) -> Clock:
        return self.states[state].clock

    def label(self, state: str) -> str:
        """The state's label; a state a later version no longer knows keeps its code."""
        known = self.states.get(state)
        return known.label if known else state

    @cached_property
    def final_states(self) -> frozenset[str]:
        return frozenset(code for code, state in self.states.items() if state.final)

    @cached_property
    def editable_states(self) -> frozenset[str]:
        """Where the association still edits the file: the states it (re)submits it from."""
        return self.transitions[LegalTransition.SUBMIT].sources

    @cached_property
    def missing_items_states(self) -> frozenset[str]:
        """Where the coordination may ask for missing items (what a comment there asks for)."""
        return self.transitions[LegalTransition.REQUEST_MISSING_ITEMS].sources

    @cached_property
    def decisions(self) -> tuple[Transition, ...]:
        return tuple(t for t in self.transitions.values() if t.decision)

    @cached_property
    def awaiting_decision_states(self) -> frozenset[str]:
        return frozenset(source for t in self.decisions for source in t.sources)

    @cached_property
    def authorised_states(self) -> frozenset[str]:
        """Where an authorising decision (the one that opens a period) leaves the file."""
        return frozenset(t.target for t in self.decisions if EffectName.OPEN_PERIOD in t.effects)

    @cached_property
    def closed_without_authorisation_states(self) -> frozenset[str]:
        return self.final_states - self.authorised_states

    @cached_property
    def instruction_states(self) -> frozenset[str]:
        """From submission to decision: the delay clock runs, or waits on the association."""
        return frozenset(
            code
            for code, state in self.states.items()
            if state.clock in {Clock.RUNNING, Clock.PAUSED}
        )

    @cached_property
    def session_transitions(self) -> frozenset[str]:
        """What only a commission session fires: putting a file on its agenda, and every way
        out of the agenda (the avis it voted, or taking the file off). Fired on the file
        directly, the workflow state and the agenda would be two facts that can disagree."""
        scheduling = self.transitions[LegalTransition.SCHEDULE]
        leaving = {t.name for t in self.transitions_from(scheduling.target)}
        return frozenset({scheduling.name, *leaving})

    @cached_property
    def on_agenda_states(self) -> frozenset[str]:
        return frozenset({self.transitions[LegalTransition.SCHEDULE].target})

    @cached_property
    def schedulable_states(self) -> frozenset[str]:
        return self.transitions[LegalTransition.SCHEDULE].sources

    def available_to(self, *, state: str, roles: set[str] | frozenset[str]) -> list[Transition]:
        """What these roles may fire on a file in `state` (guards are checked when fired)."""
        return [t for t in self.transitions_from(state) if t.may_be_fired_by(roles)]


def known() -> dict[str, set[str]]:
    """The guards and effects a definition may name (each has its code in the casework app)."""
    return {"guards": set(GuardName), "effects": set(EffectName)}


def apply_adjustments(template: dict[str, Any], adjustments: dict[str, Any]) -> dict[str, Any]:
    """The template with a département's adjustments; refuses anything the law does not leave open."""
    reasons: list[str] = []
    result = copy.deepcopy(template)
    for key in adjustments:
        if key not in ADJUSTABLE:
            if key in {"period_months", "max_total_months", "legal_parameters"}:
                reasons.append(
                    "La durée d'une période (6 mois) et la durée totale (24 mois) sont fixées par "
                    "la loi et ne peuvent pas être ajustées par un département."
                )
            elif key in {"transitions", "states", "initial"}:
                reasons.append(
                    "Les étapes légales (avis de l'association, avis de la commission, décision du "
                    "préfet) ne peuvent pas être modifiées ; seules des étapes facultatives "
                    "peuvent être ajoutées (extra_steps)."
                )
            else:
                reasons.append(
                    f"« {key} » n'est pas ajustable (ajustables : {', '.join(ADJUSTABLE)})."
                )
    if reasons:
        raise DefinitionError(reasons)

    for name, days in (adjustments.get("deadlines") or {}).items():
        if name not in result["deadlines"]:
            reasons.append(f"Délai inconnu : {name}.")
        elif (
            isinstance(days, bool)
            or not isinstance(days, int)
            or not DEADLINE_BOUNDS[0] <= days <= DEADLINE_BOUNDS[1]
        ):
            reasons.append(f"Le délai {name} doit être un nombre de jours entre 1 et 365.")
        else:
            result["deadlines"][name] = days

    for name, value in (adjustments.get("options") or {}).items():
        if name not in result["options"]:
            reasons.append(f"Option inconnue : {name}.")
        elif not isinstance(value, bool):
            reasons.append(f"L'option {name} vaut vrai ou faux.")
        else:
            result["options"][name] = value

    documents = adjustments.get("documents") or {}
    known = {d["code"]: d for d in result["documents"]}
    for code in documents.get("remove", []):
        if code not in known:
            reasons.append(f"Pièce inconnue : {code}.")
        elif known[code].get("legal"):
            reasons.append(f"La pièce « {known[code]['label']} » est exigée par les textes.")
        else:
            result["documents"] = [d for d in result["documents"] if d["code"] != code]
    for document in documents.get("add", []):
        if not isinstance(document, dict) or not {"code", "label", "kinds"} <= set(document):
            reasons.append("Une pièce ajoutée a un code, un libellé et les demandes concernées.")
        elif document["code"] in known:
            reasons.append(f"La pièce {document['code']} existe déjà.")
        elif not set(document["kinds"]) <= {"first_request", "renewal"}:
            reasons.append("Une pièce concerne les premières demandes et/ou les renouvellements.")
        else:
            result["documents"].append({**document, "legal": False})

    if "extra_fields" in adjustments:
        schema = adjustments["extra_fields"]
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            reasons.append(f"Champs complémentaires : schéma JSON invalide ({exc.message}).")
        else:
            if not isinstance(schema, dict) or schema.get("type") != "object":
                reasons.append("Champs complémentaires : le schéma décrit un objet (type object).")
            else:
                clash = set(schema.get("properties", {})) & RESERVED_FIELD_NAMES
                if clash:
                    reasons.append(
                        f"Champs complémentaires : noms réservés {', '.join(sorted(clash))}."
                    )
                result["extra_fields"] = schema

    for step in adjustments.get("extra_steps") or []:
        code = step.get("code", "") if isinstance(step, dict) else ""
        if not code.isidentifier() or code in result["states"]:
            reasons.append(f"Étape facultative : code invalide ou déjà utilisé ({code!r}).")
            continue
        after = step.get("after")
        if after not in result["states"] or result["states"][after].get("final"):
            reasons.append(f"Étape {code} : elle suit un état existant et non final.")
            continue
        roles = set(step.get("roles") or [])
        if not roles or not roles <= TENANT_ROLES - {"member", "dpo"}:
            reasons.append(f"Étape {code} : rôles autorisés invalides.")
            continue
        # An optional step is a detour that comes back where it started: it can never stand in
        # for, or jump over, a legal step.
        result["states"][code] = {"label": step.get("label", code), "clock": "running"}
        result["transitions"][f"start_{code}"] = {
            "label": f"Commencer : {step.get('label', code)}",
            "from": [after],
            "to": code,
            "roles": sorted(roles),
        }
        result["transitions"][f"finish_{code}"] = {
            "label": f"Terminer : {step.get('label', code)}",
            "from": [code],
            "to": after,
            "roles": sorted(roles),
        }
        result.setdefault("extra_steps", []).append(step)

    if reasons:
        raise DefinitionError(reasons)
    return result


def _returns_to(transitions: dict[str, Any], name: str, t: dict[str, Any], source: str) -> bool:
    """A pure self-loop on `source`, or the way back of an optional step that left from it."""
    if t.get("from") == [source]:
        return True
    if name.startswith("finish_"):
        start = transitions.get("start_" + name.removeprefix("finish_"), {})
        return start.get("from") == [source] and t.get("from") == [start.get("to")]
    return False


def legal_violations(
    data: dict[str, Any],
    *,
    known_guards: set[str] | None = None,
    known_effects: set[str] | None = None,
) -> list[str]:
    """What in a (merged) definition breaks the law or cannot run; empty when it is usable."""
    known_guards = set(GuardName) if known_guards is None else known_guards
    known_effects = set(EffectName) if known_effects is None else known_effects
    reasons: list[str] = []
    states = data.get("states", {})
    transitions = data.get("transitions", {})
    if data.get("initial") not in states:
        reasons.append("L'état initial n'existe pas.")
    for name, t in transitions.items():
        for state in [*t.get("from", []), t.get("to")]:
            if state not in states:
                reasons.append(f"La transition {name} mène à un état inconnu ({state}).")
        unknown_roles = set(t.get("roles", [])) - TENANT_ROLES
        if unknown_roles:
            reasons.append(
                f"La transition {name} cite des rôles inconnus : {sorted(unknown_roles)}."
            )
        for guard in t.get("guards", []):
            if guard not in known_guards:
                reasons.append(f"Condition inconnue : {guard}.")
        for effect in t.get("effects", []):
            if effect not in known_effects:
                reasons.append(f"Effet inconnu : {effect}.")
        if t.get("form", "") not in set(FormName):
            reasons.append(f"Formulaire inconnu : {t.get('form')}.")

    decisions = {n: t for n, t in transitions.items() if t.get("decision")}
    if AVIS_TRANSITION not in transitions:
        reasons.append("L'avis de la commission doit être recueilli avant toute décision.")
    if not any(EffectName.OPEN_PERIOD in t.get("effects", []) for t in decisions.values()):
        reasons.append("Le préfet doit pouvoir autoriser le parcours.")
    decision_targets = {t.get("to") for t in decisions.values()}
    for name, t in transitions.items():
        if t.get("to") in decision_targets and not t.get("decision"):
            reasons.append(
                f"Seul le préfet décide : « {name} » mène à « {t.get('to')} » sans être une décision."
            )
    for name, t in decisions.items():
        if set(t.get("roles", [])) != {DECISION_ROLE}:
            reasons.append(f"Seul le préfet décide ({name}).")
        if GuardName.COMMISSION_AVIS_RECORDED not in t.get("guards", []):
            reasons.append(f"Pas de décision sans avis de la commission ({name}).")
        if GuardName.ASSOCIATION_AVIS_RECORDED not in t.get("guards", []):
            reasons.append(f"Pas de décision sans avis de l'association ({name}).")
        for source in t.get("from", []):
            entering = [
                other
                for other, o in transitions.items()
                if o.get("to") == source and not _returns_to(transitions, other, o, source)
            ]
            if any(other != AVIS_TRANSITION for other in entering):
                reasons.append(
                    f"Pas de décision sans avis de la commission : l'état {source} peut être "
                    f"atteint sans passer par l'avis ({', '.join(sorted(entering))})."
                )
    params = data.get("legal_parameters", {})
    if params.get("period_months") != "psp_period_months":
        reasons.append(
            "La durée d'une période vient du paramètre légal psp_period_months (6 mois)."
        )
    if params.get("max_total_months") != "psp_max_total_months":
        reasons.append("La durée totale vient du paramètre légal psp_max_total_months (24 mois).")
    submit = transitions.get(LegalTransition.SUBMIT, {})
    if GuardName.WITHIN_CEILING not in submit.get("guards", []):
        reasons.append("Le dépôt d'une demande vérifie le plafond de 24 mois.")
    for name in LegalTransition:
        if name not in transitions:
            reasons.append(f"L'étape légale {name} manque.")
    return list(dict.fromkeys(reasons))
