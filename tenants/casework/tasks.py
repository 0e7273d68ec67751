"""Background work on files: decision letters, notifications. Idempotent and tenant-bound."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from parcours.accounts.models import Membership
from parcours.audit.services import audit_record
from parcours.db import connection
from parcours.storage import store_bytes
from tenants.casework.crypto import decrypt_json
from tenants.casework.letters import decision_letter_context
from tenants.casework.models import Document, Dossier


@shared_task(name="tenants.casework.tasks.generate_decision_letter")
def generate_decision_letter(*, dossier_id: int) -> dict[str, Any]:
    """The préfet's decision as a PDF, stating the appeal route and delay (once per decision).

    The file's row is never locked: rendering takes seconds, and a transition fired meanwhile
    (the notification, an appeal) would be refused as "modified by someone else" (its NOWAIT
    lock). The letter is rendered from a plain read; only storing it is serialised, per file,
    by an advisory lock, and a second run finds the letter there and stores nothing.
    """
    from weasyprint import HTML

    dossier = Dossier.objects.select_related("person", "period").get(pk=dossier_id)
    if Document.objects.filter(dossier=dossier, doc_type="decision_letter").exists():
        return {"dossier": dossier_id, "created": False}
    identity = decrypt_json(
        dossier.person.identity_encrypted, purpose=f"person:{dossier.person.pseudonym}:identity"
    )
    html = render_to_string(
        "casework/decision_letter.html",
        decision_letter_context(
            dossier=dossier, identity=identity, period=getattr(dossier, "period", None)
        ),
    )
    pdf = HTML(string=html).write_pdf()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                [f"decision_letter:{connection.schema_name}:{dossier_id}"],
            )
        if Document.objects.filter(dossier=dossier, doc_type="decision_letter").exists():
            return {"dossier": dossier_id, "created": False}
        name, digest = store_bytes(data=pdf, suffix=".pdf")
        document = Document.objects.create(
            person=dossier.person,
            dossier=dossier,
            doc_type="decision_letter",
            storage_name=name,
            content_type="application/pdf",
            size=len(pdf),
            sha256=digest,
        )
        audit_record(
            action="document.decision_letter_generated",
            object_type="dossier",
            object_id=dossier.pk,
            data={"document": document.pk},
        )
        return {"dossier": dossier_id, "created": True}


@shared_task(name="tenants.casework.tasks.notify_role")
def notify_role(*, role: str, subject: str, body: str, association_id: int | None = None) -> int:
    """E-mail the people holding `role` in this département. Pseudonyms only, never names."""
    memberships = Membership.objects.filter(
        tenant__schema_name=connection.schema_name, role=role, is_active=True, user__is_active=True
    ).select_related("user")
    if association_id is not None:
        memberships = memberships.filter(association_id=association_id)
    recipients = sorted({m.user.email for m in memberships})
    if recipients:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return len(recipients)


@shared_task(name="tenants.casework.tasks.send_reminders")
def send_reminders() -> int:
    """Create today's reminders in this département and e-mail each new one once."""
    from tenants.casework.deadlines import reminders_due

    sent = 0
    for reminder in reminders_due(today=timezone.localdate()):
        notify_role(
            role=reminder.role,
            subject=f"Parcours — {reminder.get_kind_display()}",
            body=reminder.message,
            association_id=reminder.association_id,
        )
        type(reminder).objects.filter(pk=reminder.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


@shared_task(name="tenants.casework.tasks.send_all_reminders")
def send_all_reminders() -> int:
    from parcours.departements.tasks import fan_out

    return fan_out(send_reminders)
