"""Convocations (PDF and .ics) and minutes, sent by e-mail from the worker; each once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone

from parcours.audit.services import audit_record
from parcours.db import connection
from tenants.commission.models import Session
from tenants.commission.selectors import session_minutes_context


def _ics(session: Session) -> str:
    stamp = session.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Parcours//Commission//FR",
            "METHOD:REQUEST",
            "BEGIN:VEVENT",
            f"UID:session-{connection.schema_name}-{session.pk}@parcours",
            f"DTSTAMP:{timezone.now().strftime('%Y%m%dT%H%M%SZ')}",
            f"DTSTART:{stamp}",
            "DURATION:PT3H",
            "SUMMARY:Commission départementale de lutte contre la prostitution",
            f"LOCATION:{session.place or session.video_link or 'à préciser'}",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )


def _already(session: Session, action: str) -> bool:
    """A retried task must not e-mail twice: the audit trail says whether it was done."""
    from parcours.audit.models import AuditEvent

    return AuditEvent.objects.filter(
        action=action, object_type="session", object_id=str(session.pk)
    ).exists()


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_to_string(template, context)).write_pdf()
    return pdf


def _send_to_members(
    *,
    session: Session,
    action: str,
    subject: str,
    body: str,
    attachments: Callable[[dict[str, Any]], list[tuple[str, bytes | str, str]]],
) -> int:
    """E-mail every member in mandate once (a retried task finds the audit event and stops).

    `attachments` is built from the session's context only past that check, so a retry
    renders no PDF for nothing, and the context is read once for the recipients and the PDF.
    """
    if _already(session, action):
        return 0
    context = session_minutes_context(session=session)
    files = attachments(context)
    recipients = sorted({m["email"] for m in context["members"] if m["email"]})
    for email in recipients:
        message = EmailMessage(
            subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[email]
        )
        for name, content, mimetype in files:
            message.attach(name, content, mimetype)
        message.send()
    audit_record(
        action=action, object_type="session", object_id=session.pk, data={"count": len(recipients)}
    )
    return len(recipients)


def _departement_zone() -> dt.tzinfo:
    """The zone of the département whose schema the task runs in (overseas ones have theirs)."""
    from parcours.departements.models import Tenant, zone_for

    return zone_for(Tenant.code_for(connection.schema_name))


@shared_task(name="tenants.commission.tasks.send_convocations")
def send_convocations(*, session_id: int) -> int:
    with timezone.override(_departement_zone()):
        return _send_convocations(session_id=session_id)


def _send_convocations(*, session_id: int) -> int:
    session = Session.objects.get(pk=session_id)
    return _send_to_members(
        session=session,
        action="commission.convocations_sent",
        subject=f"Convocation — {session}",
        body="Vous trouverez ci-joint la convocation et l'ordre du jour.",
        attachments=lambda context: [
            ("convocation.pdf", _pdf("commission/convocation.html", context), "application/pdf"),
            ("seance.ics", _ics(session), "text/calendar"),
        ],
    )


def minutes_pdf(*, session: Session) -> bytes:
    with timezone.override(_departement_zone()):
        return _pdf("commission/minutes.html", session_minutes_context(session=session))


def convocation_pdf(*, session: Session) -> bytes:
    with timezone.override(_departement_zone()):
        return _pdf("commission/convocation.html", session_minutes_context(session=session))


@shared_task(name="tenants.commission.tasks.send_minutes")
def send_minutes(*, session_id: int) -> int:
    with timezone.override(_departement_zone()):
        return _send_minutes(session_id=session_id)


def _send_minutes(*, session_id: int) -> int:
    session = Session.objects.get(pk=session_id)
    return _send_to_members(
        session=session,
        action="commission.minutes_sent",
        subject=f"Procès-verbal — {session}",
        body="Le procès-verbal de la séance est joint.",
        attachments=lambda context: [
            ("proces-verbal.pdf", _pdf("commission/minutes.html", context), "application/pdf")
        ],
    )


@shared_task(name="tenants.commission.tasks.remind_mandates")
def remind_mandates() -> int:
    """Warn the coordination once, 90 days ahead, of each mandate coming to its end."""
    from parcours.audit.models import AuditEvent
    from tenants.casework.tasks import notify_role
    from tenants.commission.services import mandates_ending

    sent = 0
    for member in mandates_ending(today=timezone.localdate()):
        key = f"{member.pk}:{member.mandate_end.isoformat()}"
        if AuditEvent.objects.filter(action="commission.mandate_reminder", object_id=key).exists():
            continue
        notify_role(
            role="coordinator",
            subject="Parcours — mandat à renouveler",
            body=f"Le mandat d'un membre du collège {member.college} ({member.arrete_reference}) prend fin le "
            f"{member.mandate_end:%d/%m/%Y} : préparez l'arrêté de renouvellement.",
        )
        audit_record(
            action="commission.mandate_reminder", object_type="member_mandate", object_id=key
        )
        sent += 1
    return sent


@shared_task(name="tenants.commission.tasks.remind_all_mandates")
def remind_all_mandates() -> int:
    from parcours.departements.tasks import fan_out

    return fan_out(remind_mandates)
