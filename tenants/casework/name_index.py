"""Search by name without names in clear: a blind index of the parts of each person's name.

Identities are encrypted (crypto.py), so the database cannot compare names. Each part of a
person's first and last names is stored instead as a keyed hash (HMAC-SHA256, truncated to 128
bits) under a key of the département derived from its data key (`crypto.name_index_key`: HKDF
with a label of its own, never the encryption key). A search hashes the parts typed the same
way and matches a person when every part typed is one of her name's parts, in any order.

Normalisation makes the spelling in a form and the spelling typed agree: lower case, accents
stripped (Unicode NFKD, combining marks dropped), hyphens and apostrophes split a name into
parts, whitespace collapsed. "Marie-Claire Dupont" has the parts marie, claire, dupont and,
for the hyphenated or apostrophed word, the word joined (marieclaire), so "dupont marie",
"DUPONT", "Marie Claire", "marie-claire" and "marieclaire" find her; "Éloïse" is found by
"eloise". A part typed must be whole: "dup" finds nobody (a prefix index would tell much more
about the names to whoever reads the table).

What a reader of the table learns: how many parts a name has, and which persons share a part
(the same hash). Not the parts themselves without the key, which lives only wrapped in the
schema and in the memory of the processes. Each token names the data key its key was derived
from; a search hashes under every key of the schema, so it keeps working while a key rotation
re-encrypts identities and re-computes their tokens (tenants/privacy/key_rotation.py).

Written by the functions that write identities (person_create, the rectification, the key
rotation), emptied by anonymisation (tenants/retention/erasers.py), rebuilt for existing
persons by `manage.py name_index_rebuild`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q

from tenants.casework import crypto
from tenants.casework.models import Person, PersonNameToken

NAME_FIELDS = ("first_name", "last_name")
# A search of more parts than a name has is typing, not a name.
MAX_PARTS = 8
_SEPARATORS = re.compile(r"[-‐‑‒–—'’‘ʼ`´]")
_NOT_LETTERS = re.compile(r"[^\w]+")


def _plain(text: str) -> str:
    """Lower case, no accents: "Éloïse" → "eloise"; "ß" → "ss"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_parts(text: str) -> list[str]:
    """The parts of a name as the index holds them, in order, without repeats."""
    parts: list[str] = []
    for word in _plain(text).split():
        pieces = [p for p in _NOT_LETTERS.split(_SEPARATORS.sub(" ", word)) if p]
        if len(pieces) > 1:
            pieces.append("".join(pieces))  # "marie-claire" also as "marieclaire"
        parts.extend(p for p in pieces if p not in parts)
    return parts


def typed_parts(text: str) -> list[str]:
    """The parts of a search: as a name's, but a joined hyphenated word is not required too
    (typing "marie-claire" asks for marie and claire)."""
    parts: list[str] = []
    for word in _plain(text).split():
        pieces = _NOT_LETTERS.split(_SEPARATORS.sub(" ", word))
        parts.extend(p for p in pieces if p and p not in parts)
    return parts[:MAX_PARTS]


def token(key: bytes, part: str) -> str:
    return hmac.new(key, part.encode(), hashlib.sha256).hexdigest()[:32]


def _name_of(identity: Mapping[str, Any] | None) -> str:
    return " ".join(str((identity or {}).get(f) or "") for f in NAME_FIELDS)


def person_name_index(*, person_id: int, identity: Mapping[str, Any] | None) -> None:
    """The person's tokens computed again from her identity, under the schema's current key;
    inside the caller's transaction, with the identity it writes."""
    ring = crypto.keyring(max_age=crypto.KEY_REFRESH_SECONDS)
    key = ring.name_keys[ring.current]
    tokens = sorted({token(key, part) for part in name_parts(_name_of(identity))})
    with transaction.atomic():
        PersonNameToken.objects.filter(person_id=person_id).delete()
        PersonNameToken.objects.bulk_create(
            PersonNameToken(person_id=person_id, token=t, key_id=ring.current) for t in tokens
        )


def person_name_index_clear(*, person_id: int) -> None:
    """No token left: an anonymised person is found by no name."""
    PersonNameToken.objects.filter(person_id=person_id).delete()


def persons_named_q(text: str, *, path: str = "") -> Q | None:
    """A filter on persons (or on rows whose `path` leads to a person, "person__") matching
    every part of `text`; None when `text` has no part."""
    parts = typed_parts(text)
    if not parts:
        return None
    # Every key of the schema, looked up again as often as encryption does: during a rotation,
    # persons are under the old key or the new one.
    keys = list(crypto.keyring(max_age=crypto.KEY_REFRESH_SECONDS).name_keys.values())
    condition = Q()
    for part in parts:
        hashes = [token(key, part) for key in keys]
        ids = PersonNameToken.objects.filter(token__in=hashes).values("person_id")
        condition &= Q(**{f"{path}pk__in" if path else "pk__in": ids})
    return condition


def name_index_rebuild(
    *,
    batch: int = 200,
    persons: Iterable[int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Compute the tokens of every person of the schema (or of `persons`) again, in batches of
    their own transactions; the number of persons indexed. Anonymised persons get none."""
    decrypt = crypto.json_decryptor()
    rows = Person.objects.order_by("pk").only("pk", "pseudonym", "identity_encrypted")
    if persons is not None:
        rows = rows.filter(pk__in=list(persons))
    done, last = 0, 0
    while True:
        chunk = list(rows.filter(pk__gt=last)[:batch])
        if not chunk:
            return done
        with transaction.atomic():
            for person in chunk:
                identity = decrypt(person.identity_encrypted, f"person:{person.pseudonym}:identity")
                person_name_index(
                    person_id=person.pk, identity=identity if isinstance(identity, dict) else None
                )
        done, last = done + len(chunk), chunk[-1].pk
        if progress is not None:
            progress(done)
