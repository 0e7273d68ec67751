"""Actions on an approval, dispatched by name: one table for the approvals page and the API.

Instructing an approval is a handful of named actions on one request (`missing_items`,
`complete`, `approve`, `refuse`, `withdraw`, `renew`, `handover`), each with a date and a
detail. Each is a typed command here that reads its inputs the same way from the page's form
and from the API's JSON (`parcours.inputs`) and calls one domain function, so the page and the
API cannot decide differently (which approval may be renewed, what a missing date means).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.utils import timezone

from parcours.accounts.permissions import Access
from parcours.errors import NotInScope
from parcours.inputs import Inputs, read_date, read_int, read_text
from tenants.agrements import services
from tenants.agrements.models import Agrement, AgrementStatus
from tenants.agrements.services import AgrementError
from tenants.casework.handover import files_handover


@dataclass(frozen=True)
class Done:
    """What an action leaves: the approval to show next and what to tell the person."""

    agrement_id: int
    message: str = "Enregistré."


class AgrementCommand(Protocol):
    def run(self, *, access: Access, agrement_id: int) -> Done: ...


def _on(data: Inputs) -> dt.date:
    # A page's form may leave the date empty: the action is then dated today.
    return read_date(data, "on", default=timezone.localdate())


@dataclass(frozen=True)
class AskMissingItems:
    on: dt.date
    items: str

    @classmethod
    def parse(cls, data: Inputs) -> AskMissingItems:
        return cls(on=_on(data), items=read_text(data, "detail"))

    def run(self, *, access: Access, agrement_id: int) -> Done:
        services.agrement_request_missing_items(
            access=access, agrement_id=agrement_id, items=self.items, on=self.on
        )
        return Done(agrement_id)


@dataclass(frozen=True)
class MarkComplete:
    on: dt.date

    @classmethod
    def parse(cls, data: Inputs) -> MarkComplete:
        return cls(on=_on(data))

    def run(self, *, access: Access, agrement_id: int) -> Done:
        services.agrement_mark_complete(access=access, agrement_id=agrement_id, on=self.on)
        return Done(agrement_id)


@dataclass(frozen=True)
class Decide:
    """Approve (the detail is the arrêté's reference) or refuse (the detail motivates it)."""

    approve: bool
    on: dt.date
    detail: str

    @classmethod
    def approving(cls, data: Inputs) -> Decide:
        return cls(approve=True, on=_on(data), detail=read_text(data, "detail"))

    @classmethod
    def refusing(cls, data: Inputs) -> Decide:
        return cls(approve=False, on=_on(data), detail=read_text(data, "detail"))

    def run(self, *, access: Access, agrement_id: int) -> Done:
        services.agrement_decide(
            access=access,
            agrement_id=agrement_id,
            approve=self.approve,
            on=self.on,
            reference=self.detail,
            motivation=self.detail,
        )
        return Done(agrement_id)


@dataclass(frozen=True)
class Withdraw:
    on: dt.date
    motivation: str

    @classmethod
    def parse(cls, data: Inputs) -> Withdraw:
        return cls(on=_on(data), motivation=read_text(data, "detail"))

    def run(self, *, access: Access, agrement_id: int) -> Done:
        services.agrement_withdraw(
            access=access, agrement_id=agrement_id, on=self.on, motivation=self.motivation
        )
        return Done(agrement_id)


@dataclass(frozen=True)
class Renew:
    """A renewal is a new request, for the same association and départements, of an approval
    in force."""

    on: dt.date

    @classmethod
    def parse(cls, data: Inputs) -> Renew:
        return cls(on=_on(data))

    def run(self, *, access: Access, agrement_id: int) -> Done:
        previous = Agrement.objects.filter(pk=agrement_id, status=AgrementStatus.APPROVED).first()
        if previous is None:
            raise NotInScope("Aucun agrément en vigueur à renouveler.")
        renewal = services.agrement_request(
            access=access,
            association_id=previous.association_id,
            requested_on=self.on,
            departements=previous.departements,
            renewal_of_id=previous.pk,
        )
        return Done(renewal.pk)


@dataclass(frozen=True)
class HandOver:
    """The association's persons and their open files go to another approved association."""

    to_association_id: int

    @classmethod
    def parse(cls, data: Inputs) -> HandOver:
        to = read_int(data, "to")
        if to <= 0:
            raise AgrementError(
                ["Indiquez l'association qui reprend les dossiers."],
                fields={"to": ["Indiquez l'association qui reprend les dossiers."]},
            )
        return cls(to_association_id=to)

    def run(self, *, access: Access, agrement_id: int) -> Done:
        agrement = Agrement.objects.filter(pk=agrement_id).first()
        if agrement is None:
            raise NotInScope("Demande d'agrément inconnue.")
        count = files_handover(
            access=access,
            from_association_id=agrement.association_id,
            to_association_id=self.to_association_id,
        )
        return Done(
            agrement_id,
            f"{count} personne(s) et leurs dossiers en cours confiés à l'association choisie.",
        )


AGREMENT_COMMANDS: dict[str, Callable[[Inputs], AgrementCommand]] = {
    "missing_items": AskMissingItems.parse,
    "complete": MarkComplete.parse,
    "approve": Decide.approving,
    "refuse": Decide.refusing,
    "withdraw": Withdraw.parse,
    "renew": Renew.parse,
    "handover": HandOver.parse,
}


def agrement_act(*, access: Access, agrement_id: int, action: str, data: Inputs) -> Done:
    """Run the named action on the approval: its inputs read, then its one domain function."""
    parse = AGREMENT_COMMANDS.get(action)
    if parse is None:
        raise AgrementError(["Action inconnue."], fields={"action": ["Action inconnue."]})
    return parse(data).run(access=access, agrement_id=agrement_id)
