"""Files of a département live under its own folder; they are only served by a permission check.

A platform service: the follow-up, the commission, the approvals and the steering store their
documents here, always in the schema of the request or task (`connection.schema_name`)."""

from __future__ import annotations

import hashlib
import io
import uuid
from pathlib import Path

from django.conf import settings

from parcours.db import connection
from parcours.errors import Refused

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def sniff_content_type(head: bytes) -> str | None:
    """The real type from the first bytes; the name and the browser's claim are not trusted."""
    for magic, content_type in ALLOWED_TYPES.items():
        if head.startswith(magic):
            return content_type
    return None


def content_type_of(data: bytes) -> str | None:
    """The real type of a whole file: its first bytes, and for a PDF that it parses as one with
    at least a page (`%PDF-` followed by anything is not a document anyone can read)."""
    content_type = sniff_content_type(data[:16])
    if content_type == "application/pdf" and not _is_readable_pdf(data):
        return None
    return content_type


def _is_readable_pdf(data: bytes) -> bool:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return False  # nobody at the préfecture could open it without its password
        return len(reader.pages) >= 1
    except Exception:  # pypdf raises a dozen types on broken files: none of them is a PDF
        return False


def tenant_folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "tenants" / connection.schema_name / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_bytes(*, data: bytes, suffix: str) -> tuple[str, str]:
    """Write `data` under a random name; returns (storage name, sha256)."""
    name = f"{uuid.uuid4().hex}{suffix}"
    (tenant_folder() / name).write_bytes(data)
    return name, hashlib.sha256(data).hexdigest()


def read_bytes(storage_name: str) -> bytes:
    return (tenant_folder() / storage_name).read_bytes()


def delete_stored(storage_name: str) -> None:
    """Erase a stored file for good (retention's anonymisation); a file already gone is fine,
    so that erasing twice (a task run again) changes nothing."""
    if not storage_name or "/" in storage_name or storage_name.startswith("."):
        return
    (tenant_folder() / storage_name).unlink(missing_ok=True)


def store_pdf(*, data: bytes) -> str:
    """Store an official document (an arrêté): a PDF of at most 10 MB, checked by its bytes."""
    if not data or len(data) > MAX_UPLOAD_BYTES or content_type_of(data) != "application/pdf":
        message = "Un arrêté se dépose en PDF (10 Mo au plus)."
        raise Refused([message], fields={"file": [message]})
    name, _ = store_bytes(data=data, suffix=".pdf")
    return name
