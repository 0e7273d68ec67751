"""Retention's writes, re-exported for callers: legal holds and the sweep."""

from __future__ import annotations

from tenants.retention.holds import legal_hold_lift, legal_hold_set
from tenants.retention.sweeps import (
    person_anonymise,
    person_archive,
    sweep_confirm,
    sweep_finish,
    sweep_report_build,
    sweep_row_process,
    sweep_run_all,
    sweep_start,
)

__all__ = [
    "legal_hold_lift",
    "legal_hold_set",
    "person_anonymise",
    "person_archive",
    "sweep_confirm",
    "sweep_finish",
    "sweep_report_build",
    "sweep_row_process",
    "sweep_run_all",
    "sweep_start",
]
