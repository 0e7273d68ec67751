"""Who sits and who votes in a session: mandates in force, titulars and substitutes, proxies,
presence, conflicts of interest, quorum (CASF R.121-12-7, CRPA R.133-10).

Reads only: these rules decide for the writes (a vote, an avis), for the live screen and for the
minutes alike, so they sit below all three. The state a decision needs is read once per session
(`session_state`); the rules themselves are functions over it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from parcours.referentiel.models import NomenclatureItem
from tenants.commission.models import (
    AgendaItem,
    Attendance,
    ConflictOfInterest,
    Member,
    Presence,
    Session,
)


@dataclass(frozen=True)
class SessionState:
    """What deciding who votes needs, read once for a whole session (no query per item)."""

    members: dict[int, Member]
    attendance: dict[int, Attendance]
    off_individual_files: frozenset[str]
    conflicts: dict[int, frozenset[int]]
    college_labels: dict[str, str]  # the colleges' names, read with their attributes


def session_state(*, session: Session) -> SessionState:
    day = timezone.localtime(session.starts_at).date()
    conflicts: dict[int, set[int]] = {}
    for item_id, member_id in ConflictOfInterest.objects.filter(item__session=session).values_list(
        "item_id", "member_id"
    ):
        conflicts.setdefault(item_id, set()).add(member_id)
    colleges = list(
        NomenclatureItem.objects.filter(kind="college").values_list("code", "attributes", "label")
    )
    return SessionState(
        members={
            m.pk: m
            # The rules read the titular's and the association's ids, never their rows.
            for m in Member.objects.in_mandate_on(day).order_by("college", "titular_id", "id")
        },
        attendance={a.member_id: a for a in session.attendances.all()},
        off_individual_files=frozenset(
            code for code, attrs, _ in colleges if attrs.get("sits_on_individual_files") is False
        ),
        conflicts={k: frozenset(v) for k, v in conflicts.items()},
        college_labels={code: label for code, _, label in colleges},
    )


@dataclass(frozen=True)
class Quorum:
    members: int
    present: int
    represented: int
    needed: int

    @property
    def counted(self) -> int:
        return self.present + self.represented

    @property
    def reached(self) -> bool:
        return self.counted >= self.needed


@dataclass(frozen=True)
class Voice:
    """Who speaks for a titular seat in a session: the titular present, else a substitute
    present, else the holder of the absent titular's proxy. A seat has one voice."""

    seat: int  # the titular member's id
    member: int  # whose vote it is (the titular, or the substitute standing in)
    cast_by: int  # who casts it (the same member, or the proxy holder)

    @property
    def by_proxy(self) -> bool:
        return self.member != self.cast_by


def is_there(attendance: Attendance | None) -> bool:
    return attendance is not None and attendance.presence != Presence.ABSENT


def seat_voices(
    *, members: dict[int, Member], attendance: dict[int, Attendance]
) -> dict[int, Voice]:
    """Each titular seat (the chair's included) that has a voice, by seat."""
    substitutes: dict[int, list[Member]] = {}
    for member in members.values():
        if member.titular_id is not None:
            substitutes.setdefault(member.titular_id, []).append(member)
    voices: dict[int, Voice] = {}
    for titular in members.values():
        if not titular.is_titular:
            continue
        seat = attendance.get(titular.pk)
        if is_there(seat):
            voices[titular.pk] = Voice(seat=titular.pk, member=titular.pk, cast_by=titular.pk)
            continue
        standing_in = next(
            (s for s in substitutes.get(titular.pk, []) if is_there(attendance.get(s.pk))), None
        )
        if standing_in is not None:
            voices[titular.pk] = Voice(
                seat=titular.pk, member=standing_in.pk, cast_by=standing_in.pk
            )
        elif (
            seat is not None
            and seat.proxy_to_id in members
            and is_there(attendance.get(seat.proxy_to_id or 0))
        ):
            voices[titular.pk] = Voice(
                seat=titular.pk, member=titular.pk, cast_by=seat.proxy_to_id or 0
            )
    return voices


def quorum(*, session: Session, state: SessionState | None = None) -> Quorum:
    """CRPA R.133-10: at least half of the members composing the commission present or
    represented. The members composing it are its titular seats, the chair's included (the
    préfet is a member: he votes and holds the casting vote); a seat is present when its titular
    or a substitute of theirs is there (in person or by video), represented when the absent
    titular gave a proxy to a member present."""
    state = state or session_state(session=session)
    voices = seat_voices(members=state.members, attendance=state.attendance)
    seats = sum(1 for m in state.members.values() if m.is_titular)
    represented = sum(1 for v in voices.values() if v.by_proxy)
    return Quorum(
        members=seats,
        present=len(voices) - represented,
        represented=represented,
        needed=(seats + 1) // 2,
    )


def excluded(item: AgendaItem, member: Member, state: SessionState) -> str | None:
    """Why a member does not deliberate on this item, or None."""
    if member.pk in state.conflicts.get(item.pk, frozenset()):
        return "a déclaré un intérêt"
    if item.dossier is not None:
        if (
            member.association_id is not None
            and member.association_id == item.dossier.association_id
        ):
            return "représente l'association qui a préparé le dossier"
        if member.college in state.off_individual_files:
            return "ne siège pas sur les dossiers individuels"
    return None


def voters(*, item: AgendaItem, state: SessionState | None = None) -> dict[int, Voice]:
    """Whose vote may be cast on `item`, by member, with the seat it counts for and who casts
    it: one voice per seat, none for a member excluded from this deliberation."""
    state = state or session_state(session=item.session)
    return {
        voice.member: voice
        for voice in seat_voices(members=state.members, attendance=state.attendance).values()
        if excluded(item, state.members[voice.member], state) is None
    }


def not_voting(*, item: AgendaItem, state: SessionState) -> dict[int, str]:
    """Why each member in mandate has no vote on `item` (for the minutes: "ne prennent pas
    part"), by member; members with a voice who did not vote are not listed here."""
    voices = seat_voices(members=state.members, attendance=state.attendance)
    speaking = {v.member for v in voices.values()}
    reasons: dict[int, str] = {}
    for member in state.members.values():
        why = excluded(item, member, state)
        if why is not None:
            reasons[member.pk] = why
        elif member.pk in speaking:
            continue
        elif member.titular_id is not None and is_there(state.attendance.get(member.pk)):
            reasons[member.pk] = "suppléant : son titulaire siège"
        elif member.pk not in state.attendance:
            reasons[member.pk] = "présence non renseignée"
        else:
            reasons[member.pk] = "absent"
    return reasons


def takes_part(*, member: Member | None, state: SessionState) -> str | None:
    """Why `member` takes no part in this session at all (a declaration of interest is made by
    someone who sits), or None: in mandate on its day, and not recorded absent without having
    given a proxy (a proxy's holder casts their voice, so their interest still matters)."""
    if member is None:
        return "n'est pas en mandat à la date de la séance"
    attendance = state.attendance.get(member.pk)
    if attendance is not None and not is_there(attendance) and attendance.proxy_to_id is None:
        return "est absent sans avoir donné de procuration"
    return None
