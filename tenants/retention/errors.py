"""Retention's refusals (part of the one domain error family, parcours.errors)."""

from __future__ import annotations

from parcours.errors import Conflict, Refused


class RetentionError(Refused):
    """A refused retention write; `forbidden` marks a refusal of the person's role."""


class SweepConflict(RetentionError, Conflict):
    """The sweep is not in the state the request expects (already run, still preparing)."""
