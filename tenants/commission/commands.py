"""Actions on a session, dispatched by name: one table for the pages and the API.

The live session screen and the API both send "an action on this session" with a few inputs
(`{"action": "vote", "item": 7, "member": 2, "choice": "favourable"}`). Each action is a typed
command: it reads its inputs from the request's mapping (form strings or JSON values alike),
refuses what it cannot read with the domain's error, and calls one domain function. The page
and the API hold no `if action == …` of their own, so they cannot decide differently: an item
named by an action is always one of the session in the address, a date is always one the
platform accepts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from parcours.accounts.permissions import Access
from parcours.inputs import (
    Inputs,
    read_datetime,
    read_flag,
    read_int,
    read_optional_int,
    read_text,
)
from tenants.commission import agenda, deliberation, sessions
from tenants.commission.common import CommissionError
from tenants.commission.selectors import agenda_item_of


@dataclass(frozen=True)
class Done:
    """What an action leaves: the session to show next and what to tell the person."""

    session_id: int
    message: str = "Enregistré."
    anchor: str = ""  # the section of the session's page to come back to


class SessionCommand(Protocol):
    def run(self, *, access: Access, session_id: int) -> Done: ...


# --- The commands -----------------------------------------------------------------------


@dataclass(frozen=True)
class Convene:
    urgent: bool
    urgent_reason: str

    @classmethod
    def parse(cls, data: Inputs) -> Convene:
        return cls(urgent=read_flag(data, "urgent"), urgent_reason=read_text(data, "urgent_reason"))

    def run(self, *, access: Access, session_id: int) -> Done:
        sessions.session_convene(
            access=access,
            session_id=session_id,
            urgent=self.urgent,
            urgent_reason=self.urgent_reason,
        )
        return Done(session_id)


@dataclass(frozen=True)
class Open:
    @classmethod
    def parse(cls, data: Inputs) -> Open:
        return cls()

    def run(self, *, access: Access, session_id: int) -> Done:
        sessions.session_open(access=access, session_id=session_id)
        return Done(session_id)


@dataclass(frozen=True)
class Close:
    @classmethod
    def parse(cls, data: Inputs) -> Close:
        return cls()

    def run(self, *, access: Access, session_id: int) -> Done:
        sessions.session_close(access=access, session_id=session_id)
        return Done(session_id)


@dataclass(frozen=True)
class Reconvene:
    starts_at: dt.datetime

    @classmethod
    def parse(cls, data: Inputs) -> Reconvene:
        return cls(starts_at=read_datetime(data, "starts_at"))

    def run(self, *, access: Access, session_id: int) -> Done:
        second = sessions.session_reconvene(
            access=access, session_id=session_id, starts_at=self.starts_at
        )
        return Done(
            second.pk,
            "Carence constatée (procès-verbal envoyé aux membres). Seconde séance créée sur le "
            "même ordre du jour : convoquez-la ; elle délibérera sans condition de quorum.",
        )


@dataclass(frozen=True)
class AddFile:
    dossier_id: int

    @classmethod
    def parse(cls, data: Inputs) -> AddFile:
        return cls(dossier_id=read_int(data, "dossier"))

    def run(self, *, access: Access, session_id: int) -> Done:
        agenda.agenda_add_file(access=access, session_id=session_id, dossier_id=self.dossier_id)
        return Done(session_id)


@dataclass(frozen=True)
class RemoveFile:
    dossier_id: int
    reason: str

    @classmethod
    def parse(cls, data: Inputs) -> RemoveFile:
        return cls(dossier_id=read_int(data, "dossier"), reason=read_text(data, "reason"))

    def run(self, *, access: Access, session_id: int) -> Done:
        agenda.agenda_remove_file(
            access=access, session_id=session_id, dossier_id=self.dossier_id, reason=self.reason
        )
        return Done(session_id)


@dataclass(frozen=True)
class AddPolicy:
    title: str

    @classmethod
    def parse(cls, data: Inputs) -> AddPolicy:
        return cls(title=read_text(data, "title"))

    def run(self, *, access: Access, session_id: int) -> Done:
        agenda.agenda_add_policy(access=access, session_id=session_id, title=self.title)
        return Done(session_id)


@dataclass(frozen=True)
class RecordAttendance:
    member_id: int
    presence: str
    proxy_to_id: int | None

    @classmethod
    def parse(cls, data: Inputs) -> RecordAttendance:
        return cls(
            member_id=read_int(data, "member"),
            presence=read_text(data, "presence"),
            proxy_to_id=read_optional_int(data, "proxy_to"),
        )

    def run(self, *, access: Access, session_id: int) -> Done:
        sessions.attendance_record(
            access=access,
            session_id=session_id,
            member_id=self.member_id,
            presence=self.presence,
            proxy_to_id=self.proxy_to_id,
        )
        return Done(session_id, anchor="presences")


def read_rows(data: Inputs, *, fields: tuple[str, ...]) -> list[Inputs]:
    """The lines of a sheet: the API's `rows` list of objects, or a page's `rows-<n>-<field>`
    inputs (one form for every line), in their order. Anything else is no line at all."""
    rows = data.get("rows")
    if isinstance(rows, list | tuple):
        lines = list(rows)
    else:
        by_index: dict[int, dict[str, Any]] = {}
        for key in data:
            prefix, _, rest = str(key).partition("-")
            index, _, field = rest.partition("-")
            if prefix == "rows" and index.isdigit() and len(index) < 6 and field in fields:
                by_index.setdefault(int(index), {})[field] = data.get(key)
        lines = [by_index[n] for n in sorted(by_index)]
    for n, line in enumerate(lines, start=1):
        if not isinstance(line, Mapping):
            message = f"Ligne {n} : illisible."
            raise CommissionError([message], fields={"rows": [message]})
    return lines


@dataclass(frozen=True)
class RecordAttendanceSheet:
    """Every seat's presence in one submit; a line left "non renseigné" is not recorded."""

    rows: tuple[sessions.AttendanceRow, ...]

    @classmethod
    def parse(cls, data: Inputs) -> RecordAttendanceSheet:
        return cls(
            rows=tuple(
                sessions.AttendanceRow(
                    member_id=read_int(line, "member"),
                    presence=read_text(line, "presence"),
                    proxy_to_id=read_optional_int(line, "proxy_to"),
                )
                for line in read_rows(data, fields=("member", "presence", "proxy_to"))
                if line.get("presence") not in (None, "")
            )
        )

    def run(self, *, access: Access, session_id: int) -> Done:
        sessions.attendance_record_sheet(access=access, session_id=session_id, rows=self.rows)
        return Done(session_id, "Présences enregistrées.", anchor="presences")


@dataclass(frozen=True)
class CastVotes:
    """Every voter's choice on an item in one submit; a line left blank is not recorded."""

    item_id: int
    rows: tuple[deliberation.VoteRow, ...]

    @classmethod
    def parse(cls, data: Inputs) -> CastVotes:
        return cls(
            item_id=read_int(data, "item"),
            rows=tuple(
                deliberation.VoteRow(
                    member_id=read_int(line, "member"), choice=read_text(line, "choice")
                )
                for line in read_rows(data, fields=("member", "choice"))
                if line.get("choice") not in (None, "")
            ),
        )

    def run(self, *, access: Access, session_id: int) -> Done:
        item = agenda_item_of(session_id=session_id, item_id=self.item_id)
        deliberation.votes_cast_sheet(access=access, item_id=item.pk, rows=self.rows)
        return Done(session_id, "Votes enregistrés.", anchor=f"point-{item.position}")


@dataclass(frozen=True)
class Vote:
    item_id: int
    member_id: int
    choice: str

    @classmethod
    def parse(cls, data: Inputs) -> Vote:
        return cls(
            item_id=read_int(data, "item"),
            member_id=read_int(data, "member"),
            choice=read_text(data, "choice"),
        )

    def run(self, *, access: Access, session_id: int) -> Done:
        item = agenda_item_of(session_id=session_id, item_id=self.item_id)
        deliberation.vote_cast(
            access=access, item_id=item.pk, member_id=self.member_id, choice=self.choice
        )
        return Done(session_id, anchor=f"point-{item.position}")


@dataclass(frozen=True)
class DeclareConflict:
    item_id: int
    member_id: int
    reason: str

    @classmethod
    def parse(cls, data: Inputs) -> DeclareConflict:
        return cls(
            item_id=read_int(data, "item"),
            member_id=read_int(data, "member"),
            reason=read_text(data, "reason"),
        )

    def run(self, *, access: Access, session_id: int) -> Done:
        item = agenda_item_of(session_id=session_id, item_id=self.item_id)
        deliberation.conflict_declare(
            access=access, item_id=item.pk, member_id=self.member_id, reason=self.reason
        )
        return Done(session_id, anchor=f"point-{item.position}")


@dataclass(frozen=True)
class CloseItem:
    item_id: int

    @classmethod
    def parse(cls, data: Inputs) -> CloseItem:
        return cls(item_id=read_int(data, "item"))

    def run(self, *, access: Access, session_id: int) -> Done:
        item = agenda_item_of(session_id=session_id, item_id=self.item_id)
        deliberation.item_close(access=access, item_id=item.pk)
        return Done(session_id, anchor=f"point-{item.position}")


SESSION_COMMANDS: dict[str, Callable[[Inputs], SessionCommand]] = {
    "convene": Convene.parse,
    "open": Open.parse,
    "close": Close.parse,
    "reconvene": Reconvene.parse,
    "add_file": AddFile.parse,
    "remove_file": RemoveFile.parse,
    "add_policy": AddPolicy.parse,
    "attendance": RecordAttendance.parse,
    "vote": Vote.parse,
    "attendance_sheet": RecordAttendanceSheet.parse,
    "votes": CastVotes.parse,
    "conflict": DeclareConflict.parse,
    "close_item": CloseItem.parse,
}


def session_act(*, access: Access, session_id: int, action: str, data: Inputs) -> Done:
    """Run the named action on the session: its inputs read, then its one domain function."""
    parse = SESSION_COMMANDS.get(action)
    if parse is None:
        raise CommissionError(["Action inconnue."], fields={"action": ["Action inconnue."]})
    return parse(data).run(access=access, session_id=session_id)
