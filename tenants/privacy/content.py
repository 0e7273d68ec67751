"""What the département holds on one person, gathered for the right of access.

A plain read with no permission check of its own: only the export's task calls it, after the
coordination's request was checked and audited. A fixed number of queries, whatever the
number of files (prefetches), labels in French as the person will read them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from parcours.associations.models import Association
from parcours.audit.models import AuditEvent
from tenants.casework.crypto import json_decryptor
from tenants.casework.models import (
    Document,
    Dossier,
    Pathway,
    Person,
    ProjectAction,
    Right,
    RightStatus,
)
from tenants.commission.models import AgendaItem
from tenants.privacy.models import IdentityRevision
from tenants.privacy.rectification import FIELD_LABELS, revision_view
from tenants.privacy.trail import actor_labels, person_read_events, readers_of


def _date(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):
        return timezone.localtime(value).isoformat(timespec="minutes")
    return str(value.isoformat())


def person_content(*, person: Person) -> dict[str, Any]:
    decrypt = json_decryptor()
    identity = decrypt(person.identity_encrypted, f"person:{person.pseudonym}:identity") or {}
    association = Association.objects.filter(pk=person.association_id).first()
    dossiers = list(
        Dossier.objects.filter(person=person)
        .select_related("workflow_variant", "project")
        .prefetch_related(
            "evaluations",
            "events",
            Prefetch("project__actions", queryset=ProjectAction.objects.order_by("due_on", "id")),
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.select_related("session").order_by(
                    "session__starts_at"
                ),
            ),
        )
        .order_by("created_at", "id")
    )
    pathways = list(
        Pathway.objects.filter(person=person).prefetch_related("periods").order_by("created_at")
    )
    rights = list(Right.objects.filter(person=person).order_by("right_type", "id"))
    documents = list(Document.objects.filter(person=person).order_by("uploaded_at", "id"))
    revisions = list(IdentityRevision.objects.filter(person=person).order_by("at", "id"))
    reads = list(person_read_events(person_id=person.pk).order_by("id")[:5000])
    labels = actor_labels(e.actor_id for e in reads)
    status_labels = dict(RightStatus.choices)
    return {
        "generated_at": _date(timezone.now()),
        "person": {
            "pseudonym": person.pseudonym,
            "recorded_at": _date(person.created_at),
            "last_contact_on": _date(person.last_contact_on),
            "association": association.name if association else "",
            "children_count": person.children_count,
            "languages": list(person.languages or []),
            "identity": {
                FIELD_LABELS.get(k, k): v for k, v in identity.items() if v not in ("", None)
            },
        },
        "identity_rectifications": [
            {
                "at": _date(view.at),
                "reason": view.reason,
                "changes": [
                    {"field": c.label, "before": c.before, "after": c.after} for c in view.changes
                ],
            }
            for view in map(revision_view, revisions)
        ],
        "pathways": [
            {
                "status": p.get_status_display(),
                "opened_at": _date(p.created_at),
                "ended_on": _date(p.ended_on),
                "end_reason": p.end_reason,
                "exit_outcome": p.exit_outcome,
                "exited_on": _date(p.exited_on),
                "periods": [
                    {
                        "number": period.number,
                        "starts_on": _date(period.starts_on),
                        "ends_on": _date(period.ends_on),
                        "ended_early_on": _date(period.ended_early_on),
                    }
                    for period in p.periods.all()
                ],
            }
            for p in pathways
        ],
        "files": [_dossier(d, decrypt) for d in dossiers],
        "rights": [
            {
                "right": r.right_type,
                "status": status_labels.get(r.status, r.status),
                "requested_on": _date(r.requested_on),
                "granted_on": _date(r.granted_on),
                "refused_on": _date(r.refused_on),
                "ends_on": _date(r.ends_on),
                "details": r.details,
            }
            for r in rights
        ],
        "documents": [
            {
                "type": d.doc_type,
                "format": d.content_type,
                "size_bytes": d.size,
                "uploaded_at": _date(d.uploaded_at),
            }
            for d in documents
        ],
        "readers": [
            {
                "account": r.actor_label or (str(r.actor_id) if r.actor_id else "système"),
                "role": r.actor_role,
                "reads": r.reads,
                "first_at": _date(r.first_at),
                "last_at": _date(r.last_at),
            }
            for r in readers_of(person_id=person.pk)
        ],
        "reads": [_read(e, labels) for e in reads],
    }


def _read(event: AuditEvent, labels: dict[int, str]) -> dict[str, str]:
    return {
        "at": _date(event.occurred_at),
        "account": labels.get(event.actor_id, "") if event.actor_id is not None else "système",
        "role": event.actor_role,
        "action": event.action,
        "object": f"{event.object_type} {event.object_id}",
        "reason": event.reason,
    }


def _dossier(d: Dossier, decrypt: Any) -> dict[str, Any]:
    project = getattr(d, "project", None) if hasattr(d, "project") else None
    return {
        "kind": d.get_kind_display(),
        "number": d.number,
        "state": d.state_label,
        "opened_at": _date(d.created_at),
        "submitted_at": _date(d.submitted_at),
        "missing_items": d.missing_items,
        "association_avis": d.get_association_avis_display() if d.association_avis else "",
        "association_avis_motivation": d.association_avis_motivation,
        "association_avis_on": _date(d.association_avis_on),
        "commission_avis": d.get_commission_avis_display() if d.commission_avis else "",
        "commission_avis_on": _date(d.commission_avis_on),
        "commission_votes": {
            "for": d.commission_votes_for,
            "against": d.commission_votes_against,
            "abstentions": d.commission_abstentions,
        },
        "decision": d.get_decision_display() if d.decision else "",
        "decision_motivation": d.decision_motivation,
        "decided_at": _date(d.decided_at),
        "start_on": _date(d.start_on),
        "notified_on": _date(d.notified_on),
        "notification_channel": d.get_notification_channel_display()
        if d.notification_channel
        else "",
        "complementary_fields": d.extra,
        "timeline": [
            {
                "at": _date(e.at),
                "step": e.transition,
                "from": e.from_state,
                "to": e.to_state,
                "comment": e.comment,
            }
            for e in d.events.all()
        ],
        "evaluations": [
            {
                "domain": ev.get_domain_display(),
                "evaluated_on": _date(ev.evaluated_on),
                "items": ev.items,
                "notes": decrypt(ev.notes_encrypted, f"dossier:{d.pk}:evaluation:{ev.domain}")
                or "",
                "signed_off_at": _date(ev.signed_off_at),
            }
            for ev in d.evaluations.all()
        ],
        "insertion_project": None
        if project is None
        else {
            "goals": project.goals,
            "commitments": project.commitments,
            "signed_on": _date(project.signed_on),
            "actions": [
                {
                    "domain": a.get_domain_display(),
                    "description": a.description,
                    "partner": a.partner,
                    "due_on": _date(a.due_on),
                    "status": a.get_status_display(),
                }
                for a in project.actions.all()
            ],
        },
        "commission_items": [
            {
                "session_on": _date(item.session.starts_at),
                "position": item.position,
                "avis": item.avis,
                "votes_for": item.votes_for,
                "votes_against": item.votes_against,
                "abstentions": item.abstentions,
            }
            for item in d.agenda_items.all()
        ],
    }
