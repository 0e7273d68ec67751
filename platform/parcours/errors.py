"""The one family of domain errors, raised by every app and translated in one place each.

A domain function refuses by raising one of these, with its reasons in French (they are shown
as they are). Pages translate them in `frontend/decorators.py` (a message on the page, the
request's transaction rolled back) and the API in `api/errors.py` (the documented error body):

=================  ======  ===========================================================
class              API     meaning
=================  ======  ===========================================================
`Refused`          400     a rule of the procedure refuses the request as it stands
`NotAllowed`       403     the person's role may not do this, whatever the data
`NotInScope`       404     nothing of that id for this person; never says whether it
                           exists elsewhere (another département, another association)
`Conflict`         409     someone changed the object meanwhile: nothing was written
=================  ======  ===========================================================

Each app names its own refusals by subclassing (`CaseworkError`, `ReportingError`, …) so that
a caller can catch exactly what it expects; nobody needs to know the subclass to present it.
What is not a domain rule stays out of this family: sign-in refusals and the hostile-input
guard answer before any domain code runs, and a bug is a bug (a 500 the tests must not see).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """A refusal of the domain; `reasons` (French) say why, `fields` point at the inputs.

    `forbidden` marks a refusal of the person's role (answered 403) on a class that otherwise
    refuses by the rules (400): a transition a role may not fire is the same check as one the
    state does not allow, so it is raised by the same code.
    """

    default_reason = "La demande a été refusée."

    def __init__(
        self,
        reasons: str | Sequence[str] | None = None,
        *,
        fields: Mapping[str, list[str]] | None = None,
        forbidden: bool = False,
    ) -> None:
        if reasons is None:
            listed = [self.default_reason]
        elif isinstance(reasons, str):
            listed = [reasons]
        else:
            listed = [str(reason) for reason in reasons]
        super().__init__("; ".join(listed))
        self.reasons: list[str] = listed
        self.fields: dict[str, list[str]] = dict(fields or {})
        self.forbidden = forbidden


class Refused(DomainError):
    """A rule of the procedure refuses the request as it stands (400)."""


class NotAllowed(DomainError):
    """The person's role may not do this (403)."""

    default_reason = "Votre rôle ne permet pas cette action."

    def __init__(
        self,
        reasons: str | Sequence[str] | None = None,
        *,
        fields: Mapping[str, list[str]] | None = None,
    ) -> None:
        super().__init__(reasons, fields=fields, forbidden=True)


class NotInScope(DomainError, LookupError):
    """The object does not exist for this person (never says whether it exists at all)."""

    default_reason = "Ressource inconnue."


class Conflict(DomainError):
    """Someone else changed the object at the same time: nothing was written (409)."""

    default_reason = "La ressource a été modifiée entre-temps ; rechargez-la puis réessayez."
