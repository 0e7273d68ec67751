"""The file page's next steps and the préfet's decision, read as a letter before it is signed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.casework.models import Decision


def next_steps(
    workflow: Any, offered: list[dict[str, str]], forms_by_name: dict[str, forms.Form]
) -> list[dict[str, Any]]:
    """The steps offered, the main one first: a step that closes the request without a
    pathway (withdrawing, refusing) is secondary and comes last. A decision is previewed
    before it is signed, so its button says so."""
    steps: list[dict[str, Any]] = []
    for t in offered:
        step = workflow.transitions[t["name"]]
        secondary = step.target in workflow.closed_without_authorisation_states
        steps.append(
            {
                **t,
                "form": forms_by_name[t["name"]],
                "secondary": secondary,
                "button": _button(workflow, step),
            }
        )
    steps.sort(key=lambda step: step["secondary"])
    for position, step in enumerate(steps):
        step["main"] = position == 0 and not step["secondary"]
    return steps


def _button(workflow: Any, step: Any) -> str:
    """What the button does: a decision shows its letter first, a step says its name."""
    if not step.decision:
        return str(step.label)
    if step.target in workflow.authorised_states:
        return "Voir la lettre d'autorisation avant de signer"
    return "Voir la lettre de refus avant de signer"


# DSFR badge per kind of state: waiting on someone else (info), for this person to act
# (warning), authorised (success), refused (error), closed otherwise (plain grey).
def state_tone(dossier: Any, *, acting: bool) -> str:
    workflow = dossier.workflow
    if dossier.state in workflow.authorised_states:
        return "success"
    if dossier.decision == Decision.REFUSED and dossier.state in workflow.final_states:
        return "error"
    if dossier.state in workflow.final_states:
        return ""
    return "warning" if acting else "info"


def states_to_act_in(workflow: Any, roles: frozenset[str]) -> frozenset[str]:
    """The states where these roles have a step to take: one that does not close the request
    without a pathway (withdrawing is always offered to the association, not a turn to act)."""
    return frozenset(
        source
        for step in workflow.transitions.values()
        if step.may_be_fired_by(roles)
        and step.target not in workflow.closed_without_authorisation_states
        for source in step.sources
    )


def decision_confirm(
    request: HttpRequest, *, dossier: Any, name: str, form: forms.Form, letter: str
) -> HttpResponse:
    """The letter as it will be sent, and the decision's inputs carried to the signature."""
    workflow = dossier.workflow
    authorising = workflow.transitions[name].target in workflow.authorised_states
    return render(
        request,
        "casework/decision_confirm.html",
        {
            "dossier": dossier,
            "name": name,
            "form": form,
            "letter": letter,
            "authorising": authorising,
            "sign_label": "Signer l'autorisation" if authorising else "Signer le refus",
            "page_title": f"Décision — {dossier.person.pseudonym}",
        },
    )
