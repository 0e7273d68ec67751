"""Nationalities grouped by world region, for statistics only (a breakdown by country would
single people out; by continent it still says what the policy needs to know).

`data/world_regions.csv` maps every ISO 3166-1 alpha-3 code to a group: France (with its
overseas territories, whose ISO codes are French nationality), the European Union, the rest of
Europe, North Africa (UN M49 "Northern Africa"), sub-Saharan Africa, the Americas, and Asia with
Oceania. Continents follow UN M49 (so Turkey and the Caucasus are in Asia); generated once from
the M49 continent of each code and committed, since no package here carries M49.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data" / "world_regions.csv"
NOT_RECORDED = "non_renseigne"
LABELS = [
    ("france", "France"),
    ("ue", "Union européenne (hors France)"),
    ("europe_hors_ue", "Europe hors Union européenne"),
    ("afrique_nord", "Afrique du Nord"),
    ("afrique_subsaharienne", "Afrique subsaharienne"),
    ("ameriques", "Amériques"),
    ("asie_oceanie", "Asie et Océanie"),
    (NOT_RECORDED, "Non renseignée"),
]


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    with _DATA.open(encoding="utf-8", newline="") as handle:
        return {row["alpha_3"]: row["world_region"] for row in csv.DictReader(handle)}


def world_region_of(alpha_3: str) -> str:
    """The group of an ISO alpha-3 nationality; NOT_RECORDED when empty or unknown."""
    return _table().get(alpha_3, NOT_RECORDED)
