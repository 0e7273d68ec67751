"""A workflow definition as data, and the legal invariants every definition must keep.

The national template (definitions/*.json, loaded into `WorkflowTemplate`) encodes the law; a
département's variant may only adjust what the law leaves open (ADJUSTABLE). `apply_adjustments`
merges a variant into a template and `validate` refuses a result that breaks an invariant, with
the reason in French. Guards and effects are *named* here and written in code (registry.py).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from parcours.errors import Refused

ADJUSTABLE = ("extra_fields", "extra_steps", "deadlines", "documents", "options")
TENANT_ROLES = {"prefet", "coordinator", "member", "association_worker", "dpo"}
DECISION_ROLE = "prefet"
AVIS_TRANSITION = "record_commission_avis"
RESERVED_FIELD_NAMES = {"id", "state", "kind", "person", "pathway", "association", "extra"}
DEADLINE_BOUNDS = (1, 365)


class DefinitionError(Refused, ValueError):
    """A definition or a variant that cannot be used; `reasons` says why, in French."""


@dataclass(frozen=True)
class State:
    code: str
    label: str
    final: bool
    clock: str


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    guards: tuple[str, ...]
    effects: tuple[str, ...]
    form: str
    decision: bool


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
                code: State(code, s["label"], bool(s.get("final")), s.get("clock", "none"))
                for code, s in data["states"].items()
            },
            transitions={
                name: Transition(
                    name=name,
                    label=t["label"],
                    sources=frozenset(t["from"]),
                    target=t["to"],
                    roles=frozenset(t["roles"]),
                    guards=tuple(t.get("guards", ())),
                    effects=tuple(t.get("effects", ())),
                    form=t.get("form", ""),
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
    data: dict[str, Any], *, known_guards: set[str], known_effects: set[str]
) -> list[str]:
    """What in a (merged) definition breaks the law or cannot run; empty when it is usable."""
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

    decisions = {n: t for n, t in transitions.items() if t.get("decision")}
    if AVIS_TRANSITION not in transitions:
        reasons.append("L'avis de la commission doit être recueilli avant toute décision.")
    if not any(t.get("to") == "authorised" for t in decisions.values()):
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
        if "commission_avis_recorded" not in t.get("guards", []):
            reasons.append(f"Pas de décision sans avis de la commission ({name}).")
        if "association_avis_recorded" not in t.get("guards", []):
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
    submit = transitions.get("submit", {})
    if "within_ceiling" not in submit.get("guards", []):
        reasons.append("Le dépôt d'une demande vérifie le plafond de 24 mois.")
    return list(dict.fromkeys(reasons))
