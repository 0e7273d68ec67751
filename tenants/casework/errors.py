"""The follow-up's refusals (part of the one domain error family, parcours.errors)."""

from __future__ import annotations

from parcours.errors import Conflict, Refused


class CaseworkError(Refused):
    """A refused write of the follow-up; `forbidden` marks a refusal of the person's role."""


class TransitionConflict(CaseworkError, Conflict):
    """Someone else changed the file at the same time: nothing was written."""
