"""Status rows of commissions as a département's task writes them, for the oversight's tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from parcours.reporting.models import CommissionStatus

DAY = dt.date(2026, 6, 15)
COLLEGES = [
    "associations",
    "collectivites",
    "ddets",
    "education",
    "emploi",
    "gendarmerie",
    "magistrat",
    "medecin",
    "police_judiciaire",
    "police_securite_publique",
    "service_etrangers",
]


def up_to_date(code: str, **facts: Any) -> CommissionStatus:
    """An unsaved row of a commission with nothing to handle on DAY, unless `facts` say so: every
    seat filled, a chair, two sessions held and one convened, no file late."""
    values: dict[str, Any] = {
        "departement": code,
        "computed_at": dt.datetime.combine(DAY, dt.time(5, 30), tzinfo=dt.UTC),
        "computed_on": DAY,
        "colleges": {college: [1, 1] for college in COLLEGES},
        "colleges_without_titular": [],
        "seats": len(COLLEGES),
        "seats_filled": len(COLLEGES),
        "titulars": len(COLLEGES) - 1,
        "chair_in_office": True,
        "mandates_ending": 0,
        "sessions_minimum": 2,
        "sessions_held_year": 1,
        "sessions_without_quorum_year": 0,
        "sessions_held_12_months": 3,
        "sessions_convened_rest_of_year": 1,
        "last_session_on": dt.date(2026, 3, 12),
        "next_session_on": dt.date(2026, 9, 10),
        "files_overdue": 0,
        "approvals_expiring": 0,
    }
    return CommissionStatus(**(values | facts))
