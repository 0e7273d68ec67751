"""Named guards and effects, written in code; workflow definitions refer to them by name.

A guard returns None when the transition may happen, or the reason (French) why not. An effect
runs inside the transition's transaction (and queues its own tasks on commit). The casework app
registers its guards and effects when it is loaded (tenants/casework/workflow_hooks.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Guard = Callable[..., str | None]
Effect = Callable[..., None]

GUARDS: dict[str, Guard] = {}
EFFECTS: dict[str, Effect] = {}


def guard(name: str) -> Callable[[Guard], Guard]:
    def register(function: Guard) -> Guard:
        GUARDS[name] = function
        return function

    return register


def effect(name: str) -> Callable[[Effect], Effect]:
    def register(function: Effect) -> Effect:
        EFFECTS[name] = function
        return function

    return register


def known() -> dict[str, Any]:
    return {"guards": set(GUARDS), "effects": set(EFFECTS)}
