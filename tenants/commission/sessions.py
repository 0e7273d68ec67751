"""Sessions: planning, convocation, opening, attendance and proxies, closing, and the second
convocation after a session without quorum (CRPA R.133-8 to R.133-10)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from parcours.accounts.permissions import Access
from parcours.french import french_datetime
from parcours.queue import enqueue_on_commit
from tenants.casework.models import Dossier
from tenants.commission.agenda import adjourn_pending
from tenants.commission.common import (
    SHEET_MAX_ROWS,
    CommissionError,
    audit,
    coordinator_only,
    locked_session,
    member_label,
)
from tenants.commission.models import (
    AgendaItem,
    Attendance,
    Member,
    Presence,
    Session,
    SessionStatus,
    Vote,
)
from tenants.commission.seats import Quorum, quorum
from tenants.commission.selectors import convocation_notice, members_active

# The tasks are above this module: queued by their registered names (tenants/commission/tasks.py).
SEND_CONVOCATIONS = "tenants.commission.tasks.send_convocations"
SEND_MINUTES = "tenants.commission.tasks.send_minutes"


def session_schedule(
    *, access: Access, starts_at: dt.datetime, place: str = "", video_link: str = ""
) -> Session:
    coordinator_only(access)
    if starts_at <= timezone.now():
        raise CommissionError(
            ["Une séance se prévoit dans le futur."], fields={"starts_at": ["Date passée."]}
        )
    with transaction.atomic():
        session = Session.objects.create(
            starts_at=starts_at, place=place.strip(), video_link=video_link.strip()
        )
        audit(access, "commission.session_scheduled", "session", session.pk)
        return session


def session_convene(
    *, access: Access, session_id: int, urgent: bool = False, urgent_reason: str = ""
) -> Session:
    """Send the convocations: at least 5 days ahead, shorter only when urgent with a reason."""
    coordinator_only(access)
    with transaction.atomic():
        session = locked_session(session_id)
        if session.status != SessionStatus.PLANNED:
            raise CommissionError(["Cette séance a déjà été convoquée."])
        notice = convocation_notice(session=session, now=timezone.now())
        if notice.short:
            if not urgent:
                raise CommissionError(
                    [notice.explained], fields={"urgent": ["Cochez l'urgence et motivez-la."]}
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
        audit(access, "commission.session_convened", "session", session.pk, urgent=urgent)
        enqueue_on_commit(SEND_CONVOCATIONS, session_id=session.pk)
        return session


def session_open(*, access: Access, session_id: int) -> Session:
    """Open the session on its day, or later to transcribe a session held on paper (its
    attendance and votes are recorded into it, never onto the files directly)."""
    coordinator_only(access)
    with transaction.atomic():
        session = locked_session(session_id)
        if session.status != SessionStatus.CONVENED:
            raise CommissionError(["Seule une séance convoquée peut être ouverte."])
        if not session.may_open(timezone.now()):
            raise CommissionError(
                [
                    "Une séance s'ouvre le jour et à l'heure de sa convocation "
                    f"({french_datetime(session.starts_at)})."
                ]
            )
        session.status, session.opened_at = SessionStatus.OPEN, timezone.now()
        session.save(update_fields=["status", "opened_at"])
        audit(access, "commission.session_opened", "session", session.pk)
        return session


@dataclass(frozen=True)
class AttendanceRow:
    """One seat's line of the attendance sheet."""

    member_id: int
    presence: str
    proxy_to_id: int | None = None


Sheet = dict[int, tuple[str, int | None]]  # member → (presence, proxy holder), as it would stand


def attendance_refusal(
    *, row: AttendanceRow, members: Mapping[int, Member], sheet: Sheet
) -> CommissionError | None:
    """Why `row` cannot stand in the session's attendance as it would be once recorded
    (`sheet`, the row included), or None. The one rule for a single line and a whole sheet:
    a proxy is given by an absent member to another member present, who holds one at most and
    is not himself absent (no chain of proxies)."""
    if row.presence not in Presence.values:
        return CommissionError(
            ["Présence inconnue."], fields={"presence": ["Choisissez une présence."]}
        )
    if row.member_id not in members:
        return CommissionError(["Ce membre n'est pas en mandat à la date de la séance."])
    holder = row.proxy_to_id
    if holder is not None:
        if row.presence != Presence.ABSENT:
            return CommissionError(
                ["Seul un membre absent donne une procuration."],
                fields={"proxy_to": ["Le membre est présent."]},
            )
        if holder == row.member_id or holder not in members:
            return CommissionError(
                ["Une procuration ne se donne qu'à un autre membre de la commission."],
                fields={"proxy_to": ["Ce n'est pas un autre membre."]},
            )
        if sheet.get(holder, (Presence.ABSENT, None))[0] == Presence.ABSENT:
            return CommissionError(
                ["La procuration se donne à un membre présent."],
                fields={"proxy_to": ["Ce membre n'est pas présent."]},
            )
        if any(to == holder and m != row.member_id for m, (_, to) in sheet.items()):
            return CommissionError(
                ["Un membre ne détient qu'une procuration."],
                fields={"proxy_to": ["Ce membre détient déjà une procuration."]},
            )
    elif row.presence == Presence.ABSENT and any(to == row.member_id for _, to in sheet.values()):
        return CommissionError(["Ce membre détient une procuration : il doit être présent."])
    return None


def _taking_attendance(session_id: int) -> tuple[Session, dict[int, Member], dict[int, Attendance]]:
    """The session locked, its members in mandate on its day and its attendance as recorded."""
    session = locked_session(session_id)
    if session.status == SessionStatus.CLOSED:
        raise CommissionError(["La séance est close."])
    if not session.takes_attendance():
        raise CommissionError(
            ["Les présences se relèvent pour une séance convoquée : convoquez-la d'abord."]
        )
    day = timezone.localtime(session.starts_at).date()
    members = {m.pk: m for m in members_active(on=day)}
    return session, members, {a.member_id: a for a in session.attendances.all()}


def _write_attendance(*, session: Session, rows: Sequence[AttendanceRow]) -> list[Attendance]:
    # Replaced rather than updated one by one: a sheet may move a proxy from one holder to
    # another, which row-by-row updates would refuse midway (attendance_one_proxy_held).
    Attendance.objects.filter(session=session, member_id__in=[r.member_id for r in rows]).delete()
    written = Attendance.objects.bulk_create(
        Attendance(
            session=session, member_id=r.member_id, presence=r.presence, proxy_to_id=r.proxy_to_id
        )
        for r in rows
    )
    absent = [r.member_id for r in rows if r.presence == Presence.ABSENT]
    if absent:
        # A member who leaves no longer votes on the items still open: the votes they cast
        # there (their own, or a proxy's) are withdrawn; closed items keep their count.
        Vote.objects.filter(
            item__session=session, item__closed_at__isnull=True, cast_by_id__in=absent
        ).delete()
    return written


def attendance_record(
    *,
    access: Access,
    session_id: int,
    member_id: int,
    presence: str,
    proxy_to_id: int | None = None,
) -> Attendance:
    """Who is there (in person or by video), who is absent, and to whom an absent member gives a proxy."""
    coordinator_only(access)
    row = AttendanceRow(member_id=member_id, presence=presence, proxy_to_id=proxy_to_id)
    if presence not in Presence.values:
        raise CommissionError(
            ["Présence inconnue."], fields={"presence": ["Choisissez une présence."]}
        )
    with transaction.atomic():
        session, members, recorded = _taking_attendance(session_id)
        sheet: Sheet = {m: (a.presence, a.proxy_to_id) for m, a in recorded.items()}
        sheet[member_id] = (presence, proxy_to_id)
        refusal = attendance_refusal(row=row, members=members, sheet=sheet)
        if refusal is not None:
            raise refusal
        (attendance,) = _write_attendance(session=session, rows=[row])
        audit(
            access,
            "commission.attendance",
            "session",
            session.pk,
            member=member_id,
            presence=presence,
            proxy_to=proxy_to_id,
        )
        return attendance


def attendance_record_sheet(
    *, access: Access, session_id: int, rows: Sequence[AttendanceRow]
) -> list[Attendance]:
    """The attendance of every seat at once, as one sheet: all of it or nothing. Each line is
    checked by the rule of a single line against the attendance as the whole sheet leaves it
    (a proxy may go to a member marked present further down); a refused line names its number
    and its member, and nothing is written."""
    coordinator_only(access)
    if not rows:
        raise CommissionError(["La feuille de présence est vide."], fields={"rows": ["Vide."]})
    if len(rows) > SHEET_MAX_ROWS:
        raise CommissionError(["La feuille de présence a trop de lignes."])
    with transaction.atomic():
        session, members, recorded = _taking_attendance(session_id)
        sheet: Sheet = {m: (a.presence, a.proxy_to_id) for m, a in recorded.items()}
        seen: set[int] = set()
        for n, row in enumerate(rows, start=1):
            if row.member_id in seen:
                raise _line_refused(
                    n, row.member_id, members, CommissionError(["ce membre figure deux fois."])
                )
            seen.add(row.member_id)
            sheet[row.member_id] = (row.presence, row.proxy_to_id)
        for n, row in enumerate(rows, start=1):
            refusal = attendance_refusal(row=row, members=members, sheet=sheet)
            if refusal is not None:
                raise _line_refused(n, row.member_id, members, refusal)
        written = _write_attendance(session=session, rows=rows)
        # One event for the sheet, its lines in it: the trail says who recorded which presence.
        audit(
            access,
            "commission.attendance_sheet",
            "session",
            session.pk,
            rows=[[r.member_id, r.presence, r.proxy_to_id] for r in rows],
        )
        return written


def _line_refused(
    line: int, member_id: int, members: Mapping[int, Member], refusal: CommissionError
) -> CommissionError:
    """The refusal of one line of a sheet, in words that find it on the page."""
    who = member_label(members.get(member_id)) if member_id in members else "membre inconnu"
    reason = refusal.reasons[0]
    message = f"Ligne {line} ({who}) : {reason[0].lower()}{reason[1:]}"
    return CommissionError([message], fields={"rows": [message]})


def never_deliberated(*, session: Session, count: Quorum) -> bool:
    """The session met (its attendance was taken) on a first convocation, made no avis and
    lacks its quorum as it closes: it met without quorum (CRPA R.133-10), and closing it
    records the carence. A session closed with no attendance taken records nothing of it."""
    return (
        not session.second_convocation
        and not count.reached
        and session.attendances.exists()
        and not session.items.filter(closed_at__isnull=False).exists()
    )


def session_close(*, access: Access, session_id: int) -> Session:
    """Close the session; files not examined are adjourned back to the queue; the minutes are
    generated and sent to every member. The quorum was checked with each avis; a session that
    never reached it closes with a carence (procès-verbal de carence)."""
    coordinator_only(access)
    with transaction.atomic():
        session = locked_session(session_id)
        if session.status != SessionStatus.OPEN:
            raise CommissionError(["Seule une séance ouverte peut être close."])
        count = quorum(session=session)
        adjourn_pending(
            access=access,
            session=session,
            comment="Non examiné en séance : reporté à une séance suivante.",
        )
        now = timezone.now()
        session.status, session.closed_at = SessionStatus.CLOSED, now
        if never_deliberated(session=session, count=count):
            # It met without its quorum: that is a carence, whether or not a second session is
            # convened now; its minutes say so and the figures count it as such.
            session.carence_at = now
            audit(
                access,
                "commission.session_carence",
                "session",
                session.pk,
                counted=count.counted,
                needed=count.needed,
            )
        session.save(update_fields=["status", "closed_at", "carence_at"])
        audit(access, "commission.session_closed", "session", session.pk, quorum=count.counted)
        enqueue_on_commit(SEND_MINUTES, session_id=session.pk)
        return session


def session_reconvene(*, access: Access, session_id: int, starts_at: dt.datetime) -> Session:
    """The session met without quorum: record it (procès-verbal de carence, sent as its minutes)
    and convene a second session on the same agenda, which deliberates without quorum
    (CRPA R.133-10). Only a session that met, on a first convocation, and whose quorum is not
    reached qualifies; the files stay scheduled, now on the second session's agenda."""
    coordinator_only(access)
    if starts_at <= timezone.now():
        raise CommissionError(
            ["La seconde séance se tient dans le futur."], fields={"starts_at": ["Date passée."]}
        )
    with transaction.atomic():
        first = locked_session(session_id)
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
        audit(
            access,
            "commission.session_carence",
            "session",
            first.pk,
            counted=count.counted,
            needed=count.needed,
        )
        audit(access, "commission.session_reconvened", "session", second.pk, first=first.pk)
        enqueue_on_commit(SEND_MINUTES, session_id=first.pk)
        return second
