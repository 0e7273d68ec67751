"""The person's rights' reads, for callers: permission-checked, audited where personal."""

from __future__ import annotations

from tenants.privacy.exports import access_export_get, access_exports_visible
from tenants.privacy.rectification import identity_history
from tenants.privacy.trail import (
    TrailFilters,
    person_readers,
    trail_csv,
    trail_person_id,
    trail_rows,
    trail_search,
)

__all__ = [
    "TrailFilters",
    "access_export_get",
    "access_exports_visible",
    "identity_history",
    "person_readers",
    "trail_csv",
    "trail_person_id",
    "trail_rows",
    "trail_search",
]
