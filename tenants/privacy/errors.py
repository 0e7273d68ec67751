"""The person's rights' refusals (part of the one domain error family, parcours.errors)."""

from __future__ import annotations

from parcours.errors import Refused


class PrivacyError(Refused):
    """A refused request about a person's rights; `forbidden` marks a refusal of the role."""
