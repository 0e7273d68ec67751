"""What anonymising a person erases, in one place: `ERASERS`, run in order in one transaction.

Each eraser takes the person and the day and erases one kind of data the département holds on
her. A new kind of personal data (another app's table, a file it stores) gets its eraser here,
or the sweep leaves it behind: the schema-dump test (tests/tenants/retention) searches every
table and every stored file for what it planted, so a forgotten table fails it.

What stays is what the national statistics count (tenants/statistics/extraction.py): dates,
states, decisions and their grounds (codes), periods, rights' kinds and dates, the number of
children, and a residue of the identity reduced to the three categories the extraction breaks
persons down by (sex, world region, age band), so that an extraction run again after the sweep
gives the same rows and past releases keep their figures. The age band is kept as the bands
the person went through while a period of hers ran (the only days the extraction counts her),
never as a birth date.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

from parcours.referentiel.world_regions import world_region_of
from parcours.reporting.vocabulary import AGE_BANDS, NOT_RECORDED
from parcours.storage import delete_stored
from tenants.casework.crypto import decrypt_json, encrypt_json
from tenants.casework.models import (
    Document,
    Dossier,
    DossierEvent,
    InsertionProject,
    NeedsEvaluation,
    Pathway,
    Period,
    Person,
    ProjectAction,
    Reminder,
    Right,
)
from tenants.casework.name_index import person_name_index_clear
from tenants.commission.models import AgendaItem, ConflictOfInterest
from tenants.privacy.services import privacy_person_erase

Eraser = Callable[[Person, dt.date], None]

# The only keys of a file's complementary fields that the statistics read (codes, not text).
KEPT_EXTRA_KEYS = ("refusal_grounds",)


def _age_band(birth: dt.date, on: dt.date) -> str:
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return next((band for bound, band in AGE_BANDS if age < bound), AGE_BANDS[-1][1])


def age_bands_while_in_pathway(*, birth: dt.date | None, person: Person) -> list[list[str]]:
    """[[from day, band], …]: the band on the first day a period of hers started, and each
    change of band until the last period's end; the statistics ask for no other day."""
    periods = list(
        Period.objects.filter(pathway__person=person).values_list("starts_on", "ends_on")
    )
    if birth is None or not periods:
        return []
    start = min(s for s, _ in periods)
    end = max(e for _, e in periods)
    bands: list[list[str]] = []
    if birth > start:
        bands.append([start.isoformat(), NOT_RECORDED])
        start = birth
    bands.append([start.isoformat(), _age_band(birth, start)])
    for bound, _band in AGE_BANDS[:-1]:
        try:
            birthday = birth.replace(year=birth.year + bound)
        except ValueError:  # born on 29 February
            birthday = dt.date(birth.year + bound, 3, 1)
        if start < birthday <= end:
            bands.append([birthday.isoformat(), _age_band(birth, birthday)])
    return bands


def erase_identity(person: Person, today: dt.date) -> None:
    """Names, contacts, birth date, nationality and identity document: replaced by the
    statistics' residue, under a new pseudonym that links to nothing said before."""
    identity: dict[str, Any] = (
        decrypt_json(person.identity_encrypted, purpose=f"person:{person.pseudonym}:identity") or {}
    )
    try:
        birth = dt.date.fromisoformat(str(identity.get("birth_date") or ""))
    except ValueError:
        birth = None
    residue = {
        "anonymised": True,
        "sex": str(identity.get("sex") or ""),
        "world_region": world_region_of(str(identity.get("nationality") or "")),
        "age_bands": age_bands_while_in_pathway(birth=birth, person=person),
    }
    person.pseudonym = f"ANON-{secrets.token_hex(8).upper()}"
    person.identity_encrypted = encrypt_json(residue, purpose=f"person:{person.pseudonym}:identity")
    person.languages = []
    person.save(update_fields=["pseudonym", "identity_encrypted", "languages"])


def erase_documents(person: Person, today: dt.date) -> None:
    """Every piece and generated letter: the file in storage, then its row."""
    documents = list(Document.objects.filter(person=person))
    for document in documents:
        delete_stored(document.storage_name)
    Document.objects.filter(pk__in=[d.pk for d in documents]).delete()


def erase_free_text(person: Person, today: dt.date) -> None:
    """What people wrote about her: notes, commitments, goals, motivations, comments, details."""
    dossiers = Dossier.objects.filter(person=person)
    NeedsEvaluation.objects.filter(dossier__in=dossiers).update(notes_encrypted="", items=[])
    InsertionProject.objects.filter(dossier__in=dossiers).update(commitments="", goals={})
    ProjectAction.objects.filter(project__dossier__in=dossiers).update(description="—", partner="")
    DossierEvent.objects.filter(dossier__in=dossiers).update(comment="")
    for dossier in dossiers:
        dossier.extra = {k: v for k, v in dossier.extra.items() if k in KEPT_EXTRA_KEYS}
        dossier.association_avis_motivation = ""
        dossier.decision_motivation = ""
        dossier.missing_items = ""
        dossier.save(
            update_fields=[
                "extra",
                "association_avis_motivation",
                "decision_motivation",
                "missing_items",
            ]
        )
    Pathway.objects.filter(person=person).update(end_reason="")
    Right.objects.filter(person=person).update(details={})
    Reminder.objects.filter(dossier__in=dossiers).delete()
    Reminder.objects.filter(right__person=person).delete()


def erase_from_minutes(person: Person, today: dt.date) -> None:
    """The minutes of past sessions are drawn from their items: an item of her file names only
    the new pseudonym (erase_identity), and the reasons members gave for not deliberating on
    it, which may name her, are erased."""
    items = AgendaItem.objects.filter(dossier__person=person)
    items.update(title="")
    ConflictOfInterest.objects.filter(item__in=items).update(reason="")


def erase_rights_records(person: Person, today: dt.date) -> None:
    """The history of her identity's rectifications (old and new values) and her access
    exports (files that hold everything about her)."""
    privacy_person_erase(person_id=person.pk)


def erase_name_index(person: Person, today: dt.date) -> None:
    """The keyed hashes of her name's parts: once anonymised, no search by name finds her."""
    person_name_index_clear(person_id=person.pk)


# The one list of what anonymisation erases. Identity last: the age bands are read from the
# periods and the identity before it is replaced.
ERASERS: tuple[Eraser, ...] = (
    erase_rights_records,
    erase_documents,
    erase_free_text,
    erase_from_minutes,
    erase_name_index,
    erase_identity,
)
