"""Where a person could still be found after a sweep: every table of the département's schema
(COPY … TO STDOUT through the connection), the encrypted columns decrypted, the stored files."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from django.conf import settings

from parcours.db import connection
from tenants.casework.crypto import PREFIX, PREFIX_NAMED, json_decryptor
from tenants.casework.models import NeedsEvaluation, Person
from tenants.privacy.models import IdentityRevision


def schema_dump() -> str:
    """Every row of every table of the current département's schema, as text."""
    schema = connection.schema_name
    out = io.StringIO()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema]
        )
        tables = [row[0] for row in cursor.fetchall()]
        raw = cursor.cursor  # psycopg2's own cursor: copy_expert
        for table in tables:
            out.write(f"\n-- {table}\n")
            raw.copy_expert(f'COPY "{schema}"."{table}" TO STDOUT', out)
    return out.getvalue()


def decrypted_values() -> str:
    """Every encrypted value of the schema, decrypted; fails if one is found in a column this
    does not know (a new encrypted column must be decrypted here, or the search is blind)."""
    decrypt = json_decryptor()
    texts = []
    known = 0
    for pseudonym, token in Person.objects.values_list("pseudonym", "identity_encrypted"):
        texts.append(str(decrypt(token, f"person:{pseudonym}:identity")))
        known += 1
    for dossier_id, domain, token in NeedsEvaluation.objects.exclude(
        notes_encrypted=""
    ).values_list("dossier_id", "domain", "notes_encrypted"):
        texts.append(str(decrypt(token, f"dossier:{dossier_id}:evaluation:{domain}")))
        known += 1
    for revision in IdentityRevision.objects.all():
        key = f"{revision.person_id}:{revision.at.astimezone(dt.UTC).isoformat()}"
        for part in ("before", "after", "reason"):
            token = getattr(revision, f"{part}_encrypted")
            texts.append(str(decrypt(token, f"identity_revision:{key}:{part}")))
            known += 1
    # Either form of token: `v1:…` (the first key) or `v2:<key id>:…` (named keys).
    token = rf"(?:{re.escape(PREFIX)}|{re.escape(PREFIX_NAMED)}\d+:)[A-Za-z0-9+/]{{16,}}={{0,2}}"
    found = len(re.findall(token, schema_dump()))
    assert found == known, f"{found - known} encrypted values in columns the search does not read"
    return "\n".join(texts)


def stored_files() -> dict[str, bytes]:
    folder = Path(settings.MEDIA_ROOT) / "tenants" / connection.schema_name
    return {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def haystack() -> str:
    """Everything the département holds, as text: the tables, the encrypted values decrypted,
    the stored files (a PDF by its text, anything else by its bytes)."""
    files = [
        pdf_text(data) if data.startswith(b"%PDF-") else data.decode("latin-1")
        for data in stored_files().values()
    ]
    return "\n".join([schema_dump(), decrypted_values(), *files])
