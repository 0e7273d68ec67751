"""Convocations (PDF and .ics) and minutes, sent by e-mail from the worker; each once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from parcours.audit.models import AuditEvent
from parcours.audit.services import audit_record
from parcours.french import french_date
from tenants.casework.tasks import notify_role
from tenants.commission.documents import departement_zone, ics, pdf
from tenants.commission.documents import minutes_pdf as minutes_pdf  # benchmarks read it here
from tenants.commission.models import Session
from tenants.commission.selectors import mandates_ending, session_minutes_context


def _already(session: Session, action: str) -> bool:
    """A retried task must not e-mail twice: the audit trail says whether it was done."""
    return AuditEvent.objects.filter(
        action=action, object_type="session", object_id=str(session.pk)
    ).exists()


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


@shared_task(name="tenants.commission.tasks.send_convocations")
def send_convocations(*, session_id: int) -> int:
    with timezone.override(departement_zone()):
        return _send_convocations(session_id=session_id)


def _send_convocations(*, session_id: int) -> int:
    session = Session.objects.get(pk=session_id)
    return _send_to_members(
        session=session,
        action="commission.convocations_sent",
        subject=f"Convocation — {session}",
        body="Vous trouverez ci-joint la convocation et l'ordre du jour.",
        attachments=lambda context: [
            ("convocation.pdf", pdf("commission/convocation.html", context), "application/pdf"),
            ("seance.ics", ics(session), "text/calendar"),
        ],
    )


@shared_task(name="tenants.commission.tasks.send_minutes")
def send_minutes(*, session_id: int) -> int:
    with timezone.override(departement_zone()):
        return _send_minutes(session_id=session_id)


def _send_minutes(*, session_id: int) -> int:
    session = Session.objects.get(pk=session_id)
    return _send_to_members(
        session=session,
        action="commission.minutes_sent",
        subject=f"Procès-verbal — {session}",
        body="Le procès-verbal de la séance est joint.",
        attachments=lambda context: [
            ("proces-verbal.pdf", pdf("commission/minutes.html", context), "application/pdf")
        ],
    )


@shared_task(name="tenants.commission.tasks.remind_mandates")
def remind_mandates() -> int:
    """Warn the coordination once, 90 days ahead, of each mandate coming to its end."""
    sent = 0
    for member in mandates_ending(today=timezone.localdate()):
        key = f"{member.pk}:{member.mandate_end.isoformat()}"
        if AuditEvent.objects.filter(action="commission.mandate_reminder", object_id=key).exists():
            continue
        notify_role(
            role="coordinator",
            subject="Parcours — mandat à renouveler",
            body=f"Le mandat d'un membre du collège {member.college} ({member.arrete_reference}) prend fin le "
            f"{french_date(member.mandate_end)} : préparez l'arrêté de renouvellement.",
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
