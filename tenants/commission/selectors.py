"""Reads of the commission: members, sessions, what an agenda shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from parcours.accounts.models import Role, User
from parcours.audit.services import audit_read
from parcours.errors import NotInScope
from parcours.referentiel.models import NomenclatureItem
from parcours.referentiel.selectors import legal_parameter_value
from parcours.workflows.services import shipped_workflow
from tenants.casework.models import Dossier
from tenants.commission.models import (
    AgendaItem,
    CollegeSetting,
    Member,
    Presence,
    Session,
    SessionStatus,
    Vote,
)
from tenants.commission.seats import not_voting, quorum, session_state


@dataclass(frozen=True)
class ConvocationNotice:
    """How much notice the members get if the session is convened now, against the minimum."""

    ahead: dt.timedelta
    min_days: int

    @property
    def short(self) -> bool:
        return self.ahead < dt.timedelta(days=self.min_days)

    @property
    def explained(self) -> str:
        """The shortfall in words ("Délai de convocation trop court : 3 jours au lieu de 5…")."""
        # Counted as a person reads a calendar: a session in 2 days and 23 hours is "3 jours".
        days = -(-self.ahead // dt.timedelta(days=1))
        if days >= self.min_days:
            left = f"moins de {self.min_days} jours pleins"
        elif days < 1:
            left = "moins d'un jour"
        elif days == 1:
            left = f"1 jour au lieu de {self.min_days}"
        else:
            left = f"{days} jours au lieu de {self.min_days}"
        return (
            f"Délai de convocation trop court : {left} (CRPA R.133-8 : les membres sont "
            f"convoqués au moins {self.min_days} jours avant la séance). La convocation n'est "
            "possible qu'en urgence : cochez l'urgence et motivez-la (10 caractères au moins) ; "
            "le motif figure sur la convocation."
        )


def convocation_notice(*, session: Session, now: dt.datetime) -> ConvocationNotice:
    """The notice a convocation sent at `now` gives the members."""
    min_days = int(legal_parameter_value(key="commission_convocation_min_days", on=now.date()))
    return ConvocationNotice(ahead=session.starts_at - now, min_days=min_days)


def members_active(*, on: dt.date | None = None) -> list[Member]:
    """Members in mandate on `on` (today by default): `Member.in_mandate_on` as a query.

    The one definition for the composition, the quorum and the minutes alike."""
    day = on or timezone.localdate()
    return list(
        Member.objects.in_mandate_on(day)
        .select_related("titular", "association")
        .order_by("college", "titular_id", "id")
    )


def mandates_ending(*, today: dt.date, within_days: int = 90) -> list[Member]:
    return list(
        Member.objects.filter(
            mandate_end__gte=today,
            mandate_end__lte=today + dt.timedelta(days=within_days),
            ended_on__isnull=True,
        )
    )


def _item_label(item: Any) -> str:
    if item.dossier is None:
        return str(item.title)
    return f"Dossier {item.dossier.person.pseudonym} ({item.dossier.get_kind_display().lower()})"


def session_minutes_context(*, session: Session) -> dict[str, Any]:
    """What a convocation and the minutes state: attendees, proxies, items, votes, and who did
    not take part in each vote and why. Pseudonyms only."""
    day = timezone.localtime(session.starts_at).date()
    members = members_active(on=day)
    users = {u.pk: u for u in User.objects.filter(pk__in={m.user_id for m in members})}
    colleges = dict(NomenclatureItem.objects.filter(kind="college").values_list("code", "label"))
    attendance = {a.member_id: a for a in session.attendances.all()}
    rows = []
    for member in members:
        seat = attendance.get(member.pk)
        rows.append(
            {
                "name": users[member.user_id].display_name,
                "email": users[member.user_id].email,
                "college": colleges.get(member.college, member.college),
                "role": "président"
                if member.is_chair
                else ("suppléant" if member.titular_id else "titulaire"),
                "presence": seat.get_presence_display() if seat else "non renseigné",
                "present": bool(seat and seat.presence != Presence.ABSENT),
                "proxy_to": users[
                    next(m.user_id for m in members if m.pk == seat.proxy_to_id)
                ].display_name
                if seat and seat.proxy_to_id and any(m.pk == seat.proxy_to_id for m in members)
                else "",
            }
        )
    state = session_state(session=session)
    voted: dict[int, set[int]] = {}
    for item_id, member_id in Vote.objects.filter(item__session=session).values_list(
        "item_id", "member_id"
    ):
        voted.setdefault(item_id, set()).add(member_id)
    items = []
    for item in session.items.select_related("dossier__person").order_by("position"):
        reasons = not_voting(item=item, state=state) if item.closed_at else {}
        items.append(
            {
                "position": item.position,
                "label": _item_label(item),
                "avis": {"favourable": "favorable", "unfavourable": "défavorable"}.get(
                    item.avis, "—"
                ),
                "votes_for": item.votes_for,
                "votes_against": item.votes_against,
                "abstentions": item.abstentions,
                "casting": item.casting_vote_used,
                "quorum_counted": item.quorum_counted,
                "quorum_needed": item.quorum_needed,
                # Everyone in mandate who has no vote counted on this item, and why.
                "not_taking_part": [
                    f"{users[m.user_id].display_name} ({reasons.get(m.pk, 'n’a pas voté')})"
                    for m in members
                    if item.closed_at and m.pk not in voted.get(item.pk, set())
                ],
            }
        )
    return {
        "session": session,
        "members": rows,
        "items": items,
        "quorum": quorum(session=session, state=state),
    }


def sessions_for(*, access: Any) -> list[Session]:
    """Sessions this person may see: all for the coordination and the préfet; a member, while
    in mandate, those convened to them (closed ones included); a member whose mandate ended
    sees none (issue #9: a former member keeps no access to the files' summaries)."""
    return _visible(Session.objects.order_by("-starts_at"), access=access, first=100)


def session_for(*, access: Any, pk: int) -> Session | None:
    """One session by its id, if this person may see it (the rules of `sessions_for`): a page
    or an endpoint of one session reads that row alone, however many sessions there are."""
    return next(iter(_visible(Session.objects.filter(pk=pk), access=access, first=1)), None)


def _visible(sessions: QuerySet[Session], *, access: Any, first: int) -> list[Session]:
    if access.has_any({Role.COORDINATOR, Role.PREFET}):
        return list(sessions[:first])
    if Role.MEMBER in access.roles:
        # Convened while their mandate ran: they keep reading its agenda and minutes after it
        # closed (the minutes are sent to them anyway).
        mine = list(Member.objects.filter(user_id=access.user_id))
        today = timezone.localdate()
        if not any(m.in_mandate_on(today) for m in mine):
            return []
        return [
            s
            for s in sessions.filter(convened_at__isnull=False)[:first]
            if any(
                m.mandate_start <= timezone.localtime(s.starts_at).date() <= m.mandate_end
                and (m.ended_on is None or m.ended_on > timezone.localtime(s.convened_at).date())
                for m in mine
            )
        ]
    return []


def sessions_for_scheduling() -> list[Session]:
    """The sessions a complete file can be scheduled onto (`Session.takes_files`, the rule
    `agenda_add_file` applies)."""
    return list(Session.objects.taking_files(timezone.now()).order_by("starts_at")[:20])


def agenda_item_of(*, session_id: int, item_id: int) -> AgendaItem:
    """An agenda item of this session, never of another one: a session action names its item,
    and the session in the address is the one acted on."""
    item = AgendaItem.objects.filter(pk=item_id, session_id=session_id).first()
    if item is None:
        raise NotInScope("Ce point n'est pas à l'ordre du jour de cette séance.")
    return item


def item_taking_votes(
    *, session: Session, items: Iterable[AgendaItem] | None = None
) -> AgendaItem | None:
    """The live session works item by item: in an open session, the first item not closed
    takes the votes (the screen shows its voters). A caller that has read the agenda already
    passes its items, so the rule costs no second query."""
    if session.status != SessionStatus.OPEN:
        return None
    if items is not None:
        open_items = [item for item in items if item.closed_at is None]
        return min(open_items, key=lambda item: item.position, default=None)
    return session.items.filter(closed_at__isnull=True).order_by("position").first()


def _session_document_read(
    *, access: Any, session_id: int, readable: Callable[[Session], bool], action: str
) -> Session | None:
    """A session this person may see whose document (minutes, convocation) is readable yet;
    the reading is audited, since these documents name the members and how each voted."""
    session = session_for(access=access, pk=session_id)
    if session is not None and not readable(session):
        session = None
    if session is not None:
        audit_read(
            action=action,
            actor_id=access.user_id,
            actor_role=access.roles_text,
            object_type="session",
            object_id=session.pk,
        )
    return session


def session_for_minutes(*, access: Any, session_id: int) -> Session | None:
    """A closed session whose minutes this person may read (audited)."""
    return _session_document_read(
        access=access,
        session_id=session_id,
        readable=lambda s: s.status == "closed",
        action="commission.minutes_read",
    )


def session_for_convocation(*, access: Any, session_id: int) -> Session | None:
    """A convened session whose convocation this person may read (audited)."""
    return _session_document_read(
        access=access,
        session_id=session_id,
        readable=lambda s: s.convened_at is not None,
        action="commission.convocation_read",
    )


def agenda_summaries(*, session: Session, show_health: bool = False) -> list[dict[str, Any]]:
    """What members read before deliberating: pseudonym, request, project goals, association
    avis. Never identity; health goals only where the département lets the reader's college."""
    rows = []
    items = session.items.select_related("dossier__person", "dossier__project").order_by("position")
    for item in items:
        dossier = item.dossier
        if dossier is None:
            rows.append({"item": item, "label": item.title})
            continue
        project = getattr(dossier, "project", None)
        rows.append(
            {
                "item": item,
                "label": _item_label(item),
                "association_avis": dossier.get_association_avis_display(),
                "association_motivation": dossier.association_avis_motivation,
                "goals": {
                    k: v
                    for k, v in (project.goals if project else {}).items()
                    if show_health or k != "soins"
                },
                "number": dossier.number,
            }
        )
    return rows


def may_see_health(*, access: Any) -> bool:
    """The coordination and the préfet see whole files; a member only if a college of theirs is
    allowed by the département (nobody by default: least privilege)."""
    if access.has_any({Role.COORDINATOR, Role.PREFET}):
        return True
    colleges = set(
        Member.objects.filter(user_id=access.user_id, ended_on__isnull=True).values_list(
            "college", flat=True
        )
    )
    return CollegeSetting.objects.filter(college__in=colleges, may_see_health=True).exists()


def composition() -> list[dict[str, Any]]:
    """Each college: seats set by the département, titular members in mandate today (the chair
    sits in the college of the arrêté that designates them)."""
    settings = {s.college: s for s in CollegeSetting.objects.all()}
    active = members_active()
    rows = []
    for code, label in NomenclatureItem.objects.filter(kind="college", is_active=True).values_list(
        "code", "label"
    ):
        setting = settings.get(code)
        rows.append(
            {
                "college": code,
                "label": label,
                "seats": setting.titular_seats if setting else None,
                "may_see_health": bool(setting and setting.may_see_health),
                # Titular seats, the chair's included: the members composing the commission,
                # as the quorum and the minutes count them (CRPA R.133-10).
                "titulars": sum(1 for m in active if m.college == code and m.is_titular),
            }
        )
    return rows


def agenda_read(*, access: Any, session: Session) -> list[dict[str, Any]]:
    """The agenda as this person may read it; reading files' summaries is audited."""
    rows = agenda_summaries(session=session, show_health=may_see_health(access=access))
    files = [row["item"].dossier_id for row in rows if row["item"].dossier_id]
    if files:
        audit_read(
            action="commission.agenda_read",
            actor_id=access.user_id,
            actor_role=access.roles_text,
            object_type="session",
            object_id=session.pk,
            data={"dossiers": files},
        )
    return rows


def files_to_schedule() -> QuerySet[Dossier]:
    """Files complete and waiting for a session, with their person (the coordination picks them
    for an agenda): the states the national workflow schedules from, asked of it (as shipped:
    a département's variant adds fields and steps, never states to schedule from)."""
    states = shipped_workflow().schedulable_states
    return Dossier.objects.in_active_base().filter(state__in=states).select_related("person")


def file_exists(*, dossier_id: int) -> bool:
    """Whether a file of that id exists here (the coordination schedules any file): an address
    naming no file is answered 404 before a choice of the form is looked at."""
    return Dossier.objects.in_active_base().filter(pk=dossier_id).exists()
