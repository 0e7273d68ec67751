"""The commission's documents: the convocation (PDF and calendar entry) and the minutes, as the
members receive them by e-mail and as the pages and the API let them be downloaded; the
arrêté designating a member."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from django.template.loader import render_to_string
from django.utils import timezone

from parcours.accounts.permissions import Access
from parcours.audit.services import audit_read
from parcours.db import connection
from parcours.storage import read_bytes
from tenants.commission.models import Member, Session
from tenants.commission.selectors import (
    session_for_convocation,
    session_for_minutes,
    session_minutes_context,
)


def ics(session: Session) -> str:
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


def pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    rendered: bytes = HTML(string=render_to_string(template, context)).write_pdf()
    return rendered


def departement_zone() -> dt.tzinfo:
    """The zone of the département whose schema we are in (overseas ones have theirs)."""
    from parcours.departements.models import Tenant, zone_for

    return zone_for(Tenant.code_for(connection.schema_name))


def minutes_pdf(*, session: Session) -> bytes:
    with timezone.override(departement_zone()):
        return pdf("commission/minutes.html", session_minutes_context(session=session))


def convocation_pdf(*, session: Session) -> bytes:
    with timezone.override(departement_zone()):
        return pdf("commission/convocation.html", session_minutes_context(session=session))


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes


SessionDocumentKind = Literal["minutes", "convocation"]


def session_document(
    *, access: Access, session_id: int, kind: SessionDocumentKind
) -> Document | None:
    """The minutes (of a closed session) or the convocation (of a convened one), for a person
    who may see the session; the reading is audited by the selectors. None: nothing to give."""
    if kind == "minutes":
        session = session_for_minutes(access=access, session_id=session_id)
        render, name = minutes_pdf, "proces-verbal"
    else:
        session = session_for_convocation(access=access, session_id=session_id)
        render, name = convocation_pdf, "convocation"
    if session is None:
        return None
    day = timezone.localtime(session.starts_at)
    # "proces-verbal-31-2026-06-14.pdf": the département and the day, sorted as files are.
    code = getattr(connection.tenant, "code", "")
    filename = f"{name}-{code}-{day:%Y-%m-%d}.pdf" if code else f"{name}-{day:%Y-%m-%d}.pdf"
    return Document(filename=filename, content=render(session=session))


def member_arrete(*, access: Access, member_id: int) -> Document | None:
    """The PDF of the arrêté designating a member, if attached; it names the member, so reading
    it is audited like any personal data."""
    member = Member.objects.filter(pk=member_id).exclude(arrete_storage_name="").first()
    if member is None:
        return None
    audit_read(
        action="commission.member_arrete_read",
        actor_id=access.user_id,
        actor_role=access.roles_text,
        object_type="member",
        object_id=member.pk,
    )
    return Document(
        filename=f"arrete-designation-membre-{member.pk}.pdf",
        content=read_bytes(member.arrete_storage_name),
    )
