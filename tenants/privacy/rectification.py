"""Rectifying a person's identity (GDPR art. 16), with its history: who changed what, when, why.

The identity stays one encrypted document on the person (tenants/casework); each rectification
re-encrypts it whole and keeps an `IdentityRevision` with the old and new values of the fields
that changed and the reason, all three encrypted with the département's key and bound to the
revision (a value copied to another row does not decrypt). The audit event names the fields,
never their values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.audit.services import audit_record
from parcours.errors import NotAllowed, NotInScope
from parcours.validation import BIDI_MESSAGE, has_bidi_controls
from tenants.casework.crypto import decrypt_json, encrypt_json
from tenants.casework.models import Person
from tenants.casework.name_index import NAME_FIELDS, person_name_index
from tenants.casework.persons import IDENTITY_KEYS, SEXES
from tenants.casework.persons import _check_identity as check_identity
from tenants.casework.selectors import IDENTITY_ROLES, person_get
from tenants.privacy.errors import PrivacyError
from tenants.privacy.models import IdentityRevision
from tenants.privacy.trail import actor_labels

# Who corrects an identity: the association that recorded it, and the coordination that
# answers the person's requests. The préfet reads identities but does not keep them.
RECTIFY_ROLES = frozenset({Role.ASSOCIATION_WORKER, Role.COORDINATOR})
FIELD_LABELS = {
    "last_name": "Nom",
    "first_name": "Prénom",
    "sex": "Sexe",
    "birth_date": "Date de naissance",
    "nationality": "Nationalité",
    "phone": "Téléphone",
    "email": "Courriel",
    "address": "Adresse",
    "id_document": "Pièce d'identité",
}
MAX_VALUE = 300
MAX_REASON = 2000


def _identity_purpose(person: Person) -> str:
    return f"person:{person.pseudonym}:identity"


def revision_key(person_id: int, at: dt.datetime) -> str:
    return f"{person_id}:{at.astimezone(dt.UTC).isoformat()}"


def revision_purpose(revision_key: str, part: str) -> str:
    return f"identity_revision:{revision_key}:{part}"


def _clean_changes(changes: dict[str, Any]) -> dict[str, str]:
    unknown = sorted(set(changes) - set(IDENTITY_KEYS))
    if unknown:
        raise PrivacyError(
            [f"Champs d'identité inconnus : {', '.join(k[:40] for k in unknown[:5])}."]
        )
    clean: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for key, value in changes.items():
        text = "" if value is None else str(value).strip()
        if len(text) > MAX_VALUE:
            errors[key] = [f"{MAX_VALUE} caractères au plus."]
        clean[key] = text
    birth = clean.get("birth_date")
    if birth:
        try:
            born = dt.date.fromisoformat(birth)
        except ValueError:
            errors["birth_date"] = ["Date de naissance invalide (format AAAA-MM-JJ)."]
        else:
            if born > timezone.localdate():
                errors["birth_date"] = ["La date de naissance est dans le futur."]
            clean["birth_date"] = born.isoformat()
    for key in ("last_name", "first_name"):
        if key in clean and not clean[key]:
            errors[key] = ["Ce champ ne peut pas être vidé."]
    if errors:
        raise PrivacyError(["Certaines valeurs ne sont pas valides."], fields=errors)
    return clean


def person_identity_rectify(
    *, access: Access, person_id: int, changes: dict[str, Any], reason: str
) -> IdentityRevision | None:
    """Correct fields of a person's identity, keeping the old values, who and why.

    Returns the revision, or None when nothing differs from what is stored (nothing written).
    """
    if not access.has_any(RECTIFY_ROLES):
        raise NotAllowed(
            "La rectification d'une identité revient à l'association ou à la coordination."
        )
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON or has_bidi_controls(reason) or "\x00" in reason:
        message = (
            BIDI_MESSAGE
            if reason and has_bidi_controls(reason)
            else f"Indiquez le motif de la rectification ({MAX_REASON} caractères au plus)."
        )
        raise PrivacyError([message], fields={"reason": [message]})
    clean = _clean_changes(changes)
    with transaction.atomic():
        # Scope-checked and audited as any read of a person (404 outside the scope).
        person = person_get(access=access, pk=person_id, reason="rectification")
        person = Person.objects.select_for_update().get(pk=person.pk)
        current = decrypt_json(person.identity_encrypted, purpose=_identity_purpose(person)) or {}
        changed = sorted(k for k, v in clean.items() if str(current.get(k) or "") != v)
        if not changed:
            return None
        updated = {**current, **{k: clean[k] for k in changed}}
        birth = updated.get("birth_date") or ""
        check_identity(
            identity={k: str(updated.get(k) or "") for k in IDENTITY_KEYS},
            birth_date=dt.date.fromisoformat(birth) if birth else None,
            languages=list(person.languages or []),
        )
        person.identity_encrypted = encrypt_json(updated, purpose=_identity_purpose(person))
        person.save(update_fields=["identity_encrypted"])
        if set(changed) & set(NAME_FIELDS):
            person_name_index(person_id=person.pk, identity=updated)
        role = ",".join(sorted(r.value for r in access.roles & RECTIFY_ROLES))
        revision = IdentityRevision(
            person=person, fields=changed, actor_id=access.user_id, actor_role=role
        )
        # The ciphertexts are bound to the revision's own key, chosen before its insert.
        revision.at = timezone.now()
        key = revision_key(person.pk, revision.at)
        revision.before_encrypted = encrypt_json(
            {k: current.get(k) or "" for k in changed}, purpose=revision_purpose(key, "before")
        )
        revision.after_encrypted = encrypt_json(
            {k: updated[k] for k in changed}, purpose=revision_purpose(key, "after")
        )
        revision.reason_encrypted = encrypt_json(reason, purpose=revision_purpose(key, "reason"))
        revision.save(force_insert=True)
        audit_record(
            action="person.identity_rectified",
            actor_id=access.user_id,
            actor_role=role,
            object_type="person",
            object_id=person.pk,
            data={"fields": changed, "revision": revision.pk},
        )
        return revision


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class RevisionView:
    at: dt.datetime
    actor_id: int | None
    actor_role: str
    reason: str
    changes: list[Change]
    actor_label: str = ""  # the agent's account, for the history's readers


def _shown(key: str, value: str) -> str:
    return SEXES.get(value, value) if key == "sex" else value


def revision_view(revision: IdentityRevision) -> RevisionView:
    """One revision decrypted (for the roles that read identities: see `identity_history`)."""
    key = revision_key(revision.person_id, revision.at)
    before = decrypt_json(revision.before_encrypted, purpose=revision_purpose(key, "before"))
    after = decrypt_json(revision.after_encrypted, purpose=revision_purpose(key, "after"))
    reason = decrypt_json(revision.reason_encrypted, purpose=revision_purpose(key, "reason"))
    return RevisionView(
        at=revision.at,
        actor_id=revision.actor_id,
        actor_role=revision.actor_role,
        reason=str(reason or ""),
        changes=[
            Change(
                field=f,
                label=FIELD_LABELS.get(f, f),
                before=_shown(f, str(before.get(f) or "")),
                after=_shown(f, str(after.get(f) or "")),
            )
            for f in revision.fields
        ],
    )


def identity_history(*, access: Access, person: Person) -> list[RevisionView] | None:
    """The rectifications of a person already read through `person_get` (scope checked,
    audited), newest first; None for roles that do not read identities. Two queries (the
    revisions, their authors' accounts)."""
    if not access.has_any(IDENTITY_ROLES):
        return None
    if person.pk is None:
        raise NotInScope
    revisions = list(IdentityRevision.objects.filter(person=person).order_by("-at", "-id"))
    labels = actor_labels(r.actor_id for r in revisions)
    return [
        replace(revision_view(r), actor_label=labels.get(r.actor_id or 0, "")) for r in revisions
    ]
