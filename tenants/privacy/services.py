"""The person's rights' writes, for callers (pages, API, tasks, the retention sweep)."""

from __future__ import annotations

from tenants.privacy.erase import privacy_person_erase
from tenants.privacy.exports import (
    access_export_build,
    access_export_download,
    access_export_request,
)
from tenants.privacy.rectification import person_identity_rectify

__all__ = [
    "access_export_build",
    "access_export_download",
    "access_export_request",
    "person_identity_rectify",
    "privacy_person_erase",
]
