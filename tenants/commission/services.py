"""Every write on the commission: appointing members, planning, convening and running sessions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from parcours.accounts.models import Role, User
from parcours.accounts.permissions import Access
from parcours.accounts.services import membership_grant
from parcours.audit.services import audit_record
from parcours.db import connection
from parcours.errors import Refused
from parcours.queue import enqueue_on_commit
from parcours.referentiel.models import NomenclatureItem
from parcours.referentiel.selectors import legal_parameter_value
from tenants.casework.models import Dossier
from tenants.casework.services import TransitionRequest, dossier_transition
from tenants.commission.models import (
    AgendaItem,
    Attendance,
    CollegeSetting,
    ConflictOfInterest,
    Member,
    Presence,
    Session,
    SessionStatus,
    Vote,
    VoteChoice,
)
from tenants.commission.selectors import members_active


class CommissionError(Refused):
    """A commission rule refused the request; nothing was recorded."""


def _coordinator(access: Access) -> None:
    if Role.COORDINATOR not in access.roles:
        raise CommissionError(["La commission est organisée par la coordination (DDFE)."])


def _audit(access: Access, action: str, object_type: str, object_id: int, **data: object) -> None:
    audit_record(
        action=action,
        actor_id=access.user_id,
        actor_role=Role.COORDINATOR.value,
        object_type=object_type,
        object_id=object_id,
        data=dict(data),
    )


def member_appoint(
    *,
    access: Access,
    user_id: int,
    college: str,
    arrete_reference: str,
    arrete_on: dt.date,
    mandate_start: dt.date,
    titular_id: int | None = None,
    association_id: int | None = None,
    is_chair: bool = False,
    mandate_end: dt.date | None = None,
) -> Member:
    """Appoint a member (or a substitute) by arrêté, for the legal mandate duration, or until
    `mandate_end` when replacing a member for the rest of their mandate (CRPA R.133-4)."""
    _coordinator(access)
    if not NomenclatureItem.objects.filter(kind="college", code=college, is_active=True).exists():
        raise CommissionError(["Collège inconnu."], fields={"college": ["Choisissez un collège."]})
    if not arrete_reference.strip():
        raise CommissionError(
            ["L'arrêté de désignation est obligatoire."],
            fields={"arrete_reference": ["Indiquez la référence de l'arrêté."]},
        )
    if arrete_on > mandate_start:
        raise CommissionError(
            ["Le mandat ne peut pas commencer avant l'arrêté."],
            fields={"mandate_start": ["Date antérieure à l'arrêté."]},
        )
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise CommissionError(["Compte inconnu."], fields={"user": ["Compte inconnu."]})
    years = int(legal_parameter_value(key="commission_mandate_years", on=mandate_start))
    tenant = access.tenant
    assert tenant is not None
    with transaction.atomic():
        titular = None
        if titular_id is not None:
            titular = Member.objects.filter(pk=titular_id, titular__isnull=True).first()
            if titular is None:
                raise CommissionError(
                    ["Un suppléant remplace un membre titulaire."],
                    fields={"titular": ["Titulaire inconnu."]},
                )
            if titular.college != college:
                raise CommissionError(
                    ["Le suppléant appartient au collège de son titulaire."],
                    fields={"college": ["Collège différent du titulaire."]},
                )
        member = Member.objects.create(
            user=user,
            college=college,
            titular=titular,
            association_id=association_id,
            is_chair=is_chair,
            arrete_reference=arrete_reference.strip(),
            arrete_on=arrete_on,
            mandate_start=mandate_start,
            mandate_end=min(
                mandate_end or dt.date.max,
                mandate_start + relativedelta(years=years) - dt.timedelta(days=1),
            ),
        )
        _audit(
            access,
            "commission.member_appointed",
            "member",
            member.pk,
            college=college,
            substitute=titular is not None,
        )
    membership_grant(user=user, role=Role.MEMBER, tenant=tenant, actor_id=access.user_id)
    connection.set_tenant(tenant)
    return member


def member_designate(
    *,
    access: Access,
    email: str,
    first_name: str,
    last_name: str,
    college: str,
    arrete_reference: str,
    arrete_on: dt.date,
    mandate_start: dt.date,
    titular_id: int | None = None,
    association_id: int | None = None,
    is_chair: bool = False,
    mandate_end: dt.date | None = None,
) -> Member:
    """Appoint a member together with their account: the account of that address if there is
    one, else a new one without password (they choose it through the reset link). Account and
    appointment are one transaction: a refused appointment leaves no account behind."""
    from parcours.accounts.services import user_create

    _coordinator(access)
    email = email.strip().lower()
    if "@" not in email or not first_name.strip() or not last_name.strip():
        raise CommissionError(
            ["Indiquez l'adresse, le prénom et le nom du membre."],
            fields={"email": ["Adresse, prénom et nom requis."]},
        )
    tenant = access.tenant
    try:
        with transaction.atomic():
            user = User.objects.filter(email__iexact=email).first() or user_create(
                email=email,
                password=None,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                actor_id=access.user_id,
            )
            return member_appoint(
                access=access,
                user_id=user.pk,
                college=college,
                arrete_reference=arrete_reference,
                arrete_on=arrete_on,
                mandate_start=mandate_start,
                titular_id=titular_id,
                association_id=association_id,
                is_chair=is_chair,
                mandate_end=mandate_end,
            )
    finally:
        connection.set_tenant(tenant)


@dataclass(frozen=True)
class Replacement:
    """Who replaces a member for the rest of the mandate, and by which arrêté."""

    email: str
    first_name: str
    last_name: str
    arrete_reference: str
    arrete_on: dt.date


def member_end_mandate(
    *,
    access: Access,
    member_id: int,
    ended_on: dt.date,
    reason: str,
    replacement: Replacement | None = None,
) -> Member | None:
    """End a mandate early (resignation, death, change of post): the member no longer sits
    from `ended_on`. A replacement takes the same seat (college, association, chair, titular of
    the same substitutes) for the rest of the mandate (CRPA R.133-4); returns them."""
    from tenants.commission.models import EndReason

    _coordinator(access)
    if reason not in EndReason.values:
        raise CommissionError(
            ["Motif de fin de mandat inconnu."],
            fields={"reason": ["Démission, décès, changement de fonctions ou autre."]},
        )
    tenant = access.tenant
    try:
        with transaction.atomic():
            member = Member.objects.select_for_update().filter(pk=member_id).first()
            if member is None:
                raise CommissionError(["Membre inconnu."])
            if member.ended_on is not None:
                raise CommissionError(["Ce mandat a déjà pris fin."])
            if not member.mandate_start < ended_on <= member.mandate_end:
                raise CommissionError(
                    ["La fin anticipée doit tomber pendant le mandat (après son début)."],
                    fields={"ended_on": ["Date hors du mandat."]},
                )
            member.ended_on, member.end_reason = ended_on, reason
            member.save(update_fields=["ended_on", "end_reason"])
            _audit(access, "commission.mandate_ended", "member", member.pk, reason=reason)
            if replacement is None:
                return None
            successor = member_designate(
                access=access,
                email=replacement.email,
                first_name=replacement.first_name,
                last_name=replacement.last_name,
                college=member.college,
                arrete_reference=replacement.arrete_reference,
                arrete_on=replacement.arrete_on,
                mandate_start=ended_on,
                titular_id=member.titular_id,
                association_id=member.association_id,
                is_chair=member.is_chair,
                mandate_end=member.mandate_end,
            )
            if member.is_titular:
                # The seat's substitutes stand in for whoever holds it.
                Member.objects.filter(titular=member, ended_on__isnull=True).update(
                    titular=successor
                )
            _audit(access, "commission.member_replaced", "member", successor.pk, replaces=member.pk)
            return successor
    finally:
        connection.set_tenant(tenant)


def session_schedule(
    *, access: Access, starts_at: dt.datetime, place: str = "", video_link: str = ""
) -> Session:
    _coordinator(access)
    if starts_at <= timezone.now():
        raise CommissionError(
            ["Une séance se prévoit dans le futur."], fields={"starts_at": ["Date passée."]}
        )
    with transaction.atomic():
        session = Session.objects.create(
            starts_at=starts_at, place=place.strip(), video_link=video_link.strip()
        )
        _audit(access, "commission.session_scheduled", "session", session.pk)
        return session


def _locked_session(session_id: int) -> Session:
    session = Session.objects.select_for_update().filter(pk=session_id).first()
    if session is None:
        raise CommissionError(["Séance inconnue."])
    return session


def session_convene(
    *, access: Access, session_id: int, urgent: bool = False, urgent_reason: str = ""
) -> Session:
    """Send the convocations: at least 5 days ahead, shorter only when urgent with a reason."""
    _coordinator(access)
    with transaction.atomic():
        session = _locked_session(session_id)
        if session.status != SessionStatus.PLANNED:
            raise CommissionError(["Cette séance a déjà été convoquée."])
        days = int(
            legal_parameter_value(key="commission_convocation_min_days", on=timezone.localdate())
        )
        if session.starts_at - timezone.now() < dt.timedelta(days=days):
            if not urgent:
                raise CommissionError(
                    [
                        f"La convocation est envoyée au moins {days} jours avant la séance (CRPA R.133-8), "
                        "sauf urgence motivée."
                    ],
                    fields={"urgent": ["Délai de convocation trop court."]},
                )
            if len(urgent_reason.strip()) < 10:
                raise CommissionError(
                    ["Motivez l'urgence."],
                    fields={"urgent_reason": ["Motivez l'urgence (10 caractères au moins)."]},
                )
        if not session.items.exists():
            raise CommissionError(["L'ordre du jour est vide."])
        session.status = SessionStatus.CONVENED
        session.urgent, session.urgent_reason = urgent, urgent_reason.strip()
        session.convened_at = timezone.now()
        session.save()
        _audit(access, "commission.session_convened", "session", session.pk, urgent=urgent)
        from tenants.commission.tasks import send_convocations

        enqueue_on_commit(send_convocations, session_id=session.pk)
        return session


def _locked_item(item_id: int) -> AgendaItem:
    """The item, its session locked first: attendance, votes and closings of one session are
    serialised (the quorum counted when an avis is made is the one that holds), always in the
    order session then item, as agenda changes take them."""
    session_id = AgendaItem.objects.filter(pk=item_id).values_list("session_id", flat=True).first()
    if session_id is None:
        raise CommissionError(["Point de l'ordre du jour inconnu."])
    _locked_session(session_id)
    return (
        AgendaItem.objects.select_for_update(of=("self",))
        .select_related("session", "dossier")
        .get(pk=item_id)
    )


def _same_agenda_as_first(session: Session) -> None:
    # Deliberating without quorum is allowed only on the agenda the failed session had.
    if session.second_convocation:
        raise CommissionError(
            [
                "Une seconde convocation porte sur l'ordre du jour de la séance sans quorum : "
                "inscrivez ce point à une autre séance."
            ]
        )


def agenda_add_file(*, access: Access, session_id: int, dossier_id: int) -> AgendaItem:
    """Put a complete file on the agenda: it is scheduled for this session (workflow transition)."""
    _coordinator(access)
    with transaction.atomic():
        session = _locked_session(session_id)
        if session.status in {SessionStatus.OPEN, SessionStatus.CLOSED}:
            raise CommissionError(["L'ordre du jour d'une séance ouverte ou close ne change plus."])
        _same_agenda_as_first(session)
        dossier_transition(
            access=access,
            dossier_id=dossier_id,
            request=TransitionRequest(
                name="schedule",
                data={"session_on": timezone.localtime(session.starts_at).date().isoformat()},
            ),
            from_session=True,
        )
        position = (
            session.items.order_by("-position").values_list("position", flat=True).first() or 0
        ) + 1
        item = AgendaItem.objects.create(session=session, position=position, dossier_id=dossier_id)
        _audit(access, "commission.agenda_file_added", "session", session.pk, dossier=dossier_id)
        return item


def agenda_add_policy(*, access: Access, session_id: int, title: str) -> AgendaItem:
    _coordinator(access)
    if len(title.strip()) < 5:
        raise CommissionError(
            ["Intitulé trop court."], fields={"title": ["Indiquez l'intitulé du point."]}
        )
    with transaction.atomic():
        session = _locked_session(session_id)
        if session.status == SessionStatus.CLOSED:
            raise CommissionError(["La séance est close."])
        _same_agenda_as_first(session)
        position = (
            session.items.order_by("-position").values_list("position", flat=True).first() or 0
        ) + 1
        item = AgendaItem.objects.create(session=session, position=position, title=title.strip())
        _audit(access, "commission.agenda_item_added", "session", session.pk)
        return item


def _active_members(on: dt.date) -> list[Member]:
    return members_active(on=on)


def attendance_record(
    *,
    access: Access,
    session_id: int,
    member_id: int,
    presence: str,
    proxy_to_id: int | None = None,
) -> Attendance:
    """Who is there (in person or by video), who is absent, and to whom an absent member gives a proxy."""
    _coordinator(access)
    if presence not in Presence.values:
        raise CommissionError(
            ["Présence inconnue."], fields={"presence": ["Choisissez une présence."]}
        )
    with transaction.atomic():
        session = _locked_session(session_id)
        if session.status == SessionStatus.CLOSED:
            raise CommissionError(["La séance est close."])
        day = timezone.localtime(session.starts_at).date()
        members = {m.pk: m for m in _active_members(day)}
        if member_id not in members:
            raise CommissionError(["Ce membre n'est pas en mandat à la date de la séance."])
        if proxy_to_id is not None:
            if presence != Presence.ABSENT:
                raise CommissionError(
                    ["Seul un membre absent donne une procuration."],
                    fields={"proxy_to": ["Le membre est présent."]},
                )
            if proxy_to_id == member_id or proxy_to_id not in members:
                raise CommissionError(
                    ["Une procuration ne se donne qu'à un autre membre de la commission."],
                    fields={"proxy_to": ["Ce n'est pas un autre membre."]},
                )
            holder = Attendance.objects.filter(session=session, member_id=proxy_to_id).first()
            if holder is None or holder.presence == Presence.ABSENT:
                raise CommissionError(
                    ["La procuration se donne à un membre présent."],
                    fields={"proxy_to": ["Ce membre n'est pas présent."]},
                )
            if (
                Attendance.objects.filter(session=session, proxy_to_id=proxy_to_id)
                .exclude(member_id=member_id)
                .exists()
            ):
                raise CommissionError(
                    ["Un membre ne détient qu'une procuration."],
                    fields={"proxy_to": ["Ce membre détient déjà une procuration."]},
                )
        elif (
            presence == Presence.ABSENT
            and Attendance.objects.filter(session=session, proxy_to_id=member_id).exists()
        ):
            raise CommissionError(["Ce membre détient une procuration : il doit être présent."])
        attendance, _ = Attendance.objects.update_or_create(
            session=session,
            member_id=member_id,
            defaults={"presence": presence, "proxy_to_id": proxy_to_id},
        )
        if presence == Presence.ABSENT:
            # A member who leaves no longer votes on the items still open: the votes they cast
            # there (their own, or a proxy's) are withdrawn; closed items keep their count.
            Vote.objects.filter(
                item__session=session, item__closed_at__isnull=True, cast_by_id=member_id
            ).delete()
        _audit(
            access,
            "commission.attendance",
            "session",
            session.pk,
            member=member_id,
            presence=presence,
            proxy_to=proxy_to_id,
        )
        return attendance


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


def _is_there(attendance: Attendance | None) -> bool:
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
        if _is_there(seat):
            voices[titular.pk] = Voice(seat=titular.pk, member=titular.pk, cast_by=titular.pk)
            continue
        standing_in = next(
            (s for s in substitutes.get(titular.pk, []) if _is_there(attendance.get(s.pk))), None
        )
        if standing_in is not None:
            voices[titular.pk] = Voice(
                seat=titular.pk, member=standing_in.pk, cast_by=standing_in.pk
            )
        elif (
            seat is not None
            and seat.proxy_to_id in members
            and _is_there(attendance.get(seat.proxy_to_id or 0))
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


def session_open(*, access: Access, session_id: int) -> Session:
    """Open the session on its day, or later to transcribe a session held on paper (its
    attendance and votes are recorded into it, never onto the files directly)."""
    _coordinator(access)
    with transaction.atomic():
        session = _locked_session(session_id)
        if session.status != SessionStatus.CONVENED:
            raise CommissionError(["Seule une séance convoquée peut être ouverte."])
        if timezone.localtime(session.starts_at).date() > timezone.localdate():
            raise CommissionError(["Une séance s'ouvre le jour pour lequel elle a été convoquée."])
        session.status, session.opened_at = SessionStatus.OPEN, timezone.now()
        session.save(update_fields=["status", "opened_at"])
        _audit(access, "commission.session_opened", "session", session.pk)
        return session


def conflict_declare(
    *, access: Access, item_id: int, member_id: int, reason: str
) -> ConflictOfInterest:
    _coordinator(access)
    if len(reason.strip()) < 3:
        raise CommissionError(
            ["Précisez l'intérêt déclaré."], fields={"reason": ["Précisez l'intérêt."]}
        )
    with transaction.atomic():
        item = _locked_item(item_id)
        if item.closed_at:
            raise CommissionError(["Le vote sur ce point est clos."])
        conflict, _ = ConflictOfInterest.objects.get_or_create(
            item=item, member_id=member_id, defaults={"reason": reason.strip()}
        )
        item.votes.filter(member_id=member_id).delete()
        _audit(access, "commission.conflict_declared", "agenda_item", item.pk, member=member_id)
        return conflict


@dataclass(frozen=True)
class SessionState:
    """What deciding who votes needs, read once for a whole session (no query per item)."""

    members: dict[int, Member]
    attendance: dict[int, Attendance]
    off_individual_files: frozenset[str]
    conflicts: dict[int, frozenset[int]]


def session_state(*, session: Session) -> SessionState:
    day = timezone.localtime(session.starts_at).date()
    conflicts: dict[int, set[int]] = {}
    for item_id, member_id in ConflictOfInterest.objects.filter(item__session=session).values_list(
        "item_id", "member_id"
    ):
        conflicts.setdefault(item_id, set()).add(member_id)
    colleges = NomenclatureItem.objects.filter(kind="college").values_list("code", "attributes")
    return SessionState(
        members={m.pk: m for m in _active_members(day)},
        attendance={a.member_id: a for a in session.attendances.all()},
        off_individual_files=frozenset(
            code for code, attrs in colleges if attrs.get("sits_on_individual_files") is False
        ),
        conflicts={k: frozenset(v) for k, v in conflicts.items()},
    )


def _excluded(item: AgendaItem, member: Member, state: SessionState) -> str | None:
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
        if _excluded(item, state.members[voice.member], state) is None
    }


def not_voting(*, item: AgendaItem, state: SessionState) -> dict[int, str]:
    """Why each member in mandate has no vote on `item` (for the minutes: "ne prennent pas
    part"), by member; members with a voice who did not vote are not listed here."""
    voices = seat_voices(members=state.members, attendance=state.attendance)
    speaking = {v.member for v in voices.values()}
    reasons: dict[int, str] = {}
    for member in state.members.values():
        excluded = _excluded(item, member, state)
        if excluded is not None:
            reasons[member.pk] = excluded
        elif member.pk in speaking:
            continue
        elif member.titular_id is not None and _is_there(state.attendance.get(member.pk)):
            reasons[member.pk] = "suppléant : son titulaire siège"
        elif member.pk not in state.attendance:
            reasons[member.pk] = "présence non renseignée"
        else:
            reasons[member.pk] = "absent"
    return reasons


def vote_cast(*, access: Access, item_id: int, member_id: int, choice: str) -> Vote:
    """Record a member's vote (cast by them, or by the holder of their proxy); a seat votes once."""
    _coordinator(access)
    if choice not in VoteChoice.values:
        raise CommissionError(
            ["Vote inconnu."],
            fields={"choice": ["Choisissez favorable, défavorable ou abstention."]},
        )
    with transaction.atomic():
        item = _locked_item(item_id)
        if item.session.status != SessionStatus.OPEN:
            raise CommissionError(["On ne vote qu'en séance ouverte."])
        if item.closed_at:
            raise CommissionError(["Le vote sur ce point est clos."])
        state = session_state(session=item.session)
        allowed = voters(item=item, state=state)
        voice = allowed.get(member_id)
        if voice is None:
            member = state.members.get(member_id)
            reason = _excluded(item, member, state) if member else None
            if reason:
                why = f" : il {reason}"
            elif member is not None and member.titular_id is not None:
                why = " : un suppléant ne vote qu'en l'absence de son titulaire"
            else:
                why = " (absent, sans procuration, ou hors mandat)"
            raise CommissionError([f"Ce membre ne peut pas voter sur ce point{why}."])
        if item.votes.filter(seat_id=voice.seat).exclude(member_id=member_id).exists():
            raise CommissionError(["Ce siège a déjà voté sur ce point : un siège n'a qu'une voix."])
        vote, _ = Vote.objects.update_or_create(
            item=item,
            member_id=member_id,
            defaults={"choice": choice, "cast_by_id": voice.cast_by, "seat_id": voice.seat},
        )
        _audit(access, "commission.vote", "agenda_item", item.pk, member=member_id)
        return vote


def item_close(*, access: Access, item_id: int) -> AgendaItem:
    """The avis is made here: quorum checked (unless on a second convocation), majority of votes
    cast, on a tie the chair's vote decides; the avis is written onto the file."""
    _coordinator(access)
    with transaction.atomic():
        item = _locked_item(item_id)
        if item.closed_at:
            raise CommissionError(["Le vote sur ce point est déjà clos."])
        if item.session.status != SessionStatus.OPEN:
            raise CommissionError(["On ne clôt un point qu'en séance ouverte."])
        count = quorum(session=item.session)
        if not count.reached and not item.session.second_convocation:
            raise CommissionError(
                [
                    f"Quorum non atteint ({count.counted} présents ou représentés sur "
                    f"{count.members} membres, {count.needed} requis) : la commission ne peut pas "
                    "délibérer sur ce point (CRPA R.133-10). Constatez la carence et convoquez "
                    "une seconde séance, qui délibérera sans condition de quorum."
                ]
            )
        votes = list(item.votes.select_related("member"))
        favourable = sum(v.choice == VoteChoice.FAVOURABLE for v in votes)
        against = sum(v.choice == VoteChoice.UNFAVOURABLE for v in votes)
        abstentions = sum(v.choice == VoteChoice.ABSTENTION for v in votes)
        casting = False
        if favourable > against:
            avis = "favourable"
        elif against > favourable:
            avis = "unfavourable"
        else:
            chair_vote = next(
                (v for v in votes if v.member.is_chair and v.choice != VoteChoice.ABSTENTION), None
            )
            if chair_vote is None:
                raise CommissionError(
                    [
                        "Partage des voix : la voix du président est prépondérante, il doit voter pour ou contre."
                    ]
                )
            avis, casting = chair_vote.choice, True
        item.avis, item.votes_for, item.votes_against, item.abstentions = (
            avis,
            favourable,
            against,
            abstentions,
        )
        item.quorum_counted, item.quorum_needed = count.counted, count.needed
        item.casting_vote_used, item.closed_at = casting, timezone.now()
        item.save()
        if item.dossier_id is not None:
            dossier_transition(
                access=access,
                dossier_id=item.dossier_id,
                request=TransitionRequest(
                    name="record_commission_avis",
                    data={
                        "avis": avis,
                        "votes_for": favourable,
                        "votes_against": against,
                        "abstentions": abstentions,
                        "avis_on": timezone.localtime(item.session.starts_at).date().isoformat(),
                    },
                    comment=f"Séance du {timezone.localtime(item.session.starts_at):%d/%m/%Y}"
                    + (" (voix prépondérante du président)" if casting else ""),
                ),
                from_session=True,
            )
        _audit(access, "commission.item_closed", "agenda_item", item.pk, avis=avis, casting=casting)
        return item


def _adjourn_pending(*, access: Access, session: Session, comment: str) -> None:
    pending = session.items.filter(closed_at__isnull=True, dossier__isnull=False)
    for dossier in Dossier.objects.filter(agenda_items__in=pending):
        if dossier.state == "scheduled":
            dossier_transition(
                access=access,
                dossier_id=dossier.pk,
                request=TransitionRequest(name="adjourn", data={}, comment=comment),
                from_session=True,
            )


def session_close(*, access: Access, session_id: int) -> Session:
    """Close the session; files not examined are adjourned back to the queue; the minutes are
    generated and sent to every member. The quorum was checked with each avis."""
    _coordinator(access)
    with transaction.atomic():
        session = _locked_session(session_id)
        if session.status != SessionStatus.OPEN:
            raise CommissionError(["Seule une séance ouverte peut être close."])
        count = quorum(session=session)
        _adjourn_pending(
            access=access,
            session=session,
            comment="Non examiné en séance : reporté à une séance suivante.",
        )
        session.status, session.closed_at = SessionStatus.CLOSED, timezone.now()
        session.save(update_fields=["status", "closed_at"])
        _audit(access, "commission.session_closed", "session", session.pk, quorum=count.counted)
        from tenants.commission.tasks import send_minutes

        enqueue_on_commit(send_minutes, session_id=session.pk)
        return session


def session_reconvene(*, access: Access, session_id: int, starts_at: dt.datetime) -> Session:
    """The session met without quorum: record it (procès-verbal de carence, sent as its minutes)
    and convene a second session on the same agenda, which deliberates without quorum
    (CRPA R.133-10). Only a session that met, on a first convocation, and whose quorum is not
    reached qualifies; the files stay scheduled, now on the second session's agenda."""
    _coordinator(access)
    if starts_at <= timezone.now():
        raise CommissionError(
            ["La seconde séance se tient dans le futur."], fields={"starts_at": ["Date passée."]}
        )
    with transaction.atomic():
        first = _locked_session(session_id)
        if first.status != SessionStatus.OPEN:
            raise CommissionError(
                [
                    "Seule une séance réunie (ouverte) qui constate l'absence de quorum donne lieu "
                    "à une seconde convocation."
                ]
            )
        if first.second_convocation:
            raise CommissionError(
                ["Une seconde convocation délibère sans quorum : pas de troisième convocation."]
            )
        count = quorum(session=first)
        if count.reached:
            raise CommissionError(["Le quorum est atteint : pas de seconde convocation."])
        second = Session.objects.create(
            starts_at=starts_at,
            place=first.place,
            video_link=first.video_link,
            second_convocation=True,
            first_session=first,
        )
        pending = list(first.items.filter(closed_at__isnull=True).order_by("position"))
        AgendaItem.objects.bulk_create(
            AgendaItem(session=second, position=n, dossier_id=item.dossier_id, title=item.title)
            for n, item in enumerate(pending, start=1)
        )
        # The files stay scheduled (same workflow state) and move to the second agenda.
        Dossier.objects.filter(agenda_items__in=pending).update(
            session_on=timezone.localtime(starts_at).date()
        )
        now = timezone.now()
        first.status, first.closed_at, first.carence_at = SessionStatus.CLOSED, now, now
        first.save(update_fields=["status", "closed_at", "carence_at"])
        _audit(
            access,
            "commission.session_carence",
            "session",
            first.pk,
            counted=count.counted,
            needed=count.needed,
        )
        _audit(access, "commission.session_reconvened", "session", second.pk, first=first.pk)
        from tenants.commission.tasks import send_minutes

        enqueue_on_commit(send_minutes, session_id=first.pk)
        return second


def agenda_remove_file(*, access: Access, session_id: int, dossier_id: int, reason: str) -> Dossier:
    """Take a file off the agenda of a session not yet closed: the file goes back to the files
    to schedule (workflow `adjourn`) in the same transaction."""
    _coordinator(access)
    if len(reason.strip()) < 5:
        raise CommissionError(
            ["Précisez la raison du retrait."], fields={"reason": ["5 caractères au moins."]}
        )
    with transaction.atomic():
        session = _locked_session(session_id)
        if session.status == SessionStatus.CLOSED:
            raise CommissionError(["La séance est close."])
        item = session.items.filter(dossier_id=dossier_id).first()
        if item is None:
            raise CommissionError(["Ce dossier n'est pas à l'ordre du jour de cette séance."])
        if item.closed_at:
            raise CommissionError(["La commission a déjà rendu son avis sur ce dossier."])
        item.delete()
        dossier = dossier_transition(
            access=access,
            dossier_id=dossier_id,
            request=TransitionRequest(name="adjourn", data={}, comment=reason.strip()),
            from_session=True,
        )
        _audit(access, "commission.agenda_file_removed", "session", session.pk, dossier=dossier_id)
        return dossier


def college_setting_save(
    *, access: Access, college: str, titular_seats: int, may_see_health: bool
) -> CollegeSetting:
    """Set how many titular members a college has here, and whether they may read health goals."""
    _coordinator(access)
    if not NomenclatureItem.objects.filter(kind="college", code=college).exists():
        raise CommissionError(["Collège inconnu."], fields={"college": ["Collège inconnu."]})
    if not 0 <= titular_seats <= 10:
        raise CommissionError(
            ["Nombre de sièges entre 0 et 10."], fields={"titular_seats": ["Entre 0 et 10."]}
        )
    with transaction.atomic():
        setting, _ = CollegeSetting.objects.update_or_create(
            college=college,
            defaults={"titular_seats": titular_seats, "may_see_health": may_see_health},
        )
        _audit(
            access,
            "commission.college_setting",
            "college",
            setting.pk,
            college=college,
            seats=titular_seats,
            may_see_health=may_see_health,
        )
        return setting


def mandates_ending(*, today: dt.date, within_days: int = 90) -> list[Member]:
    return list(
        Member.objects.filter(
            mandate_end__gte=today,
            mandate_end__lte=today + dt.timedelta(days=within_days),
            ended_on__isnull=True,
        )
    )


def member_arrete_attach(*, access: Access, member_id: int, data: bytes) -> Member:
    """Attach the PDF of the arrêté designating a member."""
    from parcours.storage import store_pdf

    _coordinator(access)
    with transaction.atomic():
        member = Member.objects.select_for_update().filter(pk=member_id).first()
        if member is None:
            raise CommissionError(["Membre inconnu."])
        member.arrete_storage_name = store_pdf(data=data)
        member.save(update_fields=["arrete_storage_name"])
        _audit(access, "commission.arrete_attached", "member", member.pk)
        return member
