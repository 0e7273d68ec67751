"""Sessions: planning, convocation, opening, attendance and proxies, closing, and the second
convocation after a session without quorum (CRPA R.133-8 to R.133-10)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from parcours.accounts.permissions import Access
from parcours.queue import enqueue_on_commit
from parcours.referentiel.selectors import legal_parameter_value
from tenants.casework.models import Dossier
from tenants.commission.agenda import adjourn_pending
from tenants.commission.common import CommissionError, audit, coordinator_only, locked_session
from tenants.commission.models import (
    AgendaItem,
    Attendance,
    Presence,
    Session,
    SessionStatus,
    Vote,
)
from tenants.commission.seats import Quorum, quorum
from tenants.commission.selectors import members_active

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
                    f"({timezone.localtime(session.starts_at):%d/%m/%Y à %H:%M})."
                ]
            )
        session.status, session.opened_at = SessionStatus.OPEN, timezone.now()
        session.save(update_fields=["status", "opened_at"])
        audit(access, "commission.session_opened", "session", session.pk)
        return session


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
    if presence not in Presence.values:
        raise CommissionError(
            ["Présence inconnue."], fields={"presence": ["Choisissez une présence."]}
        )
    with transaction.atomic():
        session = locked_session(session_id)
        if session.status == SessionStatus.CLOSED:
            raise CommissionError(["La séance est close."])
        if not session.takes_attendance():
            raise CommissionError(
                ["Les présences se relèvent pour une séance convoquée : convoquez-la d'abord."]
            )
        day = timezone.localtime(session.starts_at).date()
        members = {m.pk: m for m in members_active(on=day)}
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
