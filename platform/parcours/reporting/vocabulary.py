"""The words a département and the national level share about the statistics.

A département computes its counts in its own schema (`tenants.statistics.extraction`) and its
commission's status (`tenants.statistics.status`); the national level stages, protects,
publishes and labels them (this package). Both sides name the same indicators, dimensions and
categories, and hand over the same row types: they are defined here, on the ground floor, so
that the national level never reads the département's code to know what it will receive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from parcours.referentiel.decisions import INSUFFICIENT_ALONE, REFUSAL_GROUNDS

# Indicator and dimension codes; their labels are in parcours.reporting.indicators.
PERSONS_IN_PATHWAY = "persons_in_pathway"
FIRST_REQUESTS = "first_requests"
AUTHORISATIONS = "authorisations"
REFUSALS = "refusals"
RENEWALS = "renewals"
EXITS = "exits"
EARLY_ENDS = "early_ends"
FILES_PENDING = "files_pending"
APPROVALS_IN_FORCE = "approvals_in_force"
SESSIONS_HELD = "sessions_held"
# Rights opened by the pathway (CASF R.121-12-11, L.121-9; CESEDA L.425-4).
AFIS_BENEFICIARIES = "afis_beneficiaries"
APS_GRANTED = "aps_granted"
HOUSING_OBTAINED = "housing_obtained"
CARE_OPENED = "care_opened"
TRAINING_OR_EMPLOYMENT = "training_or_employment"
AFIS_AMOUNT_DUE = "afis_amount_due"  # euros a month, on the day, from the dated amounts
# The commission's work on files.
FILES_EXAMINED = "files_examined"
# Decisions in the period, by days from submission to decision (clock pauses deducted): a
# histogram, from which the consolidation takes the median and 90th percentile at each level.
DECISION_DELAY = "decision_delay"
DIMENSION_DELAY_DAYS = "days"
DELAY_CAP_DAYS = 730
# Prevention and buyer-side aggregates the département enters for a calendar year.
BUYERS_FINED = "buyers_fined"
AWARENESS_COURSES = "awareness_courses"
PROCURING_PROCEEDINGS = "procuring_proceedings"
TRAFFICKING_PROCEEDINGS = "trafficking_proceedings"
PREVENTION_ACTIONS = "prevention_actions"
# Approvals in force, one count per association (a public body, not a person): the
# consolidation finds associations working in several départements.
ASSOCIATION_APPROVED = "association_approved"
DIMENSION_ASSOCIATION = "association"
# Oversight of the commissions: facts about the institution, no person, published exactly.
COMMISSION_TITULARS = "commission_titulars"
COLLEGES_WITHOUT_TITULAR = "colleges_without_titular"
# The composition the département set by arrêté (titular seats per college, the chair's
# included) and how many of those seats a titular in mandate holds.
COMPOSITION_SEATS = "composition_seats"
SEATS_FILLED = "composition_seats_filled"
FILES_OVERDUE = "files_overdue"
APPROVALS_EXPIRING = "approvals_expiring_90_days"
SESSIONS_WITHOUT_QUORUM = "sessions_without_quorum"
DIMENSION_PERIOD = "period_number"
DIMENSION_CHILDREN = "children"
DIMENSION_OUTCOME = "outcome"
DIMENSION_SEX = "sex"
DIMENSION_AGE = "age_band"
DIMENSION_WORLD_REGION = "world_region"
DIMENSION_REFUSAL_GROUND = "refusal_ground"
DIMENSION_AVIS = "avis"
DIMENSION_COLLEGE = "college"
# The same figure with each person's contribution capped at DP_CAPS: read by the differentially
# private release only (its noise is calibrated to these bounds), never published as such.
DIMENSION_DP_CAPPED = "dp_capped"
# The most one person may add to a figure in one département over one period, where the count is
# not of distinct persons by construction (reporting/privacy.py states why each bound holds).
DP_CAPS: dict[str, int] = {
    PERSONS_IN_PATHWAY: 1,
    FIRST_REQUESTS: 2,
    AUTHORISATIONS: 1,
    REFUSALS: 2,
    RENEWALS: 3,
    EXITS: 1,
    EARLY_ENDS: 1,
    FILES_PENDING: 1,
}
NOT_RECORDED = OUTCOME_NOT_RECORDED = "non_renseigne"
SEX_CATEGORIES = {"F": "femme", "M": "homme", "X": "autre"}
# (upper bound excluded, category): ages on the snapshot day.
AGE_BANDS = [(18, "moins_18"), (25, "18_24"), (35, "25_34"), (45, "35_44"), (200, "45_plus")]
# A refusal may state several grounds; it is counted once, under the first of this order: the
# grounds as the decision form lists them, those that cannot justify a refusal alone (CE
# n° 440802) last.
REFUSAL_GROUND_ORDER = sorted(REFUSAL_GROUNDS, key=lambda ground: ground in INSUFFICIENT_ALONE)
# A mandate ending within this many days with nobody appointed after it needs an arrêté now:
# the same horizon as the reminder sent to the coordination (`mandates_ending`).
MANDATE_HORIZON_DAYS = 90


@dataclass(frozen=True)
class Count:
    """One count a département hands to a release: no identity, no free text."""

    indicator: str
    value: int
    dimension: str = ""
    category: str = ""


@dataclass(frozen=True)
class CommissionFacts:
    """A département's commission on one day, as its schema computed it; stored whole as its
    `CommissionStatus` row (codes and counts only, no member's name)."""

    computed_on: dt.date
    # {college code: [titular seats set by arrêté, seats a titular in mandate holds]}
    colleges: dict[str, list[int]] = field(default_factory=dict)
    colleges_without_titular: list[str] = field(default_factory=list)
    seats: int = 0
    seats_filled: int = 0
    titulars: int = 0  # in mandate, the chair aside
    chair_in_office: bool = False
    mandates_ending: int = 0
    sessions_minimum: int | None = None
    sessions_held_year: int = 0
    sessions_without_quorum_year: int = 0
    sessions_held_12_months: int = 0
    sessions_convened_rest_of_year: int = 0
    last_session_on: dt.date | None = None
    next_session_on: dt.date | None = None
    files_overdue: int = 0
    approvals_expiring: int = 0
