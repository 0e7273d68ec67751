"""Oversight of the departmental commissions: which ones need action now, and why.

Two sources, both in the public schema (a national request never reads a département's schema):

- **Today** (`commission_overview`): `CommissionStatus`, one row per département that a task
  computes inside the département's schema every morning, and on the national operator's
  request (`oversight_services`). The page and the API say which day each row holds on.
- **A published release** (`oversight`): the institution facts a release publishes for its
  period, exactly (no person in them), kept for what was true on the release's day.

What needs action, and how urgently (`reasons`, a pure function of one row's facts; the lower
the severity, the sooner; rows are sorted by their most urgent reason, then by département):

1. the commission cannot sit: no titular in mandate; or no session held over the last 12 months
   ("Aucune séance depuis le …");
2. it sits unlawfully or too rarely: a college that sits on files without a titular; no chair in
   mandate; behind the legal minimum of sessions (below);
3. it will soon be short, or is slow: a vacant seat of the composition in a college that has a
   titular; a seat whose mandate ends within 90 days with no successor appointed; files open
   beyond the département's instruction and decision targets.

Approvals of associations ending within 90 days are shown beside, not as a reason: an approval
coming to its term is the ordinary course of a renewal, not something wrong with the commission.

**Behind the legal minimum.** The minimum is a dated legal parameter (two sessions a year from
1 January 2026; none before). A commission is behind when it has held, this calendar year,
fewer sessions than the minimum pro rata of the year elapsed, rounded down (with two a year:
none is due before 2 July, one from then, two on 31 December); or, from 1 October, when the
sessions held and those already convened for the rest of the year do not reach the minimum: in
the last quarter, a session not convened yet (five days ahead, an agenda to prepare) is a
session that may not take place. Without a minimum in force, only the 12-month rule applies.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from parcours.departements.models import Tenant, TenantStatus
from parcours.french import french_date
from parcours.referentiel.models import Departement, NomenclatureItem
from parcours.reporting import vocabulary as x
from parcours.reporting.models import CommissionStatus, Level, PublishedFigure, Release
from parcours.reporting.selectors import Dashboard, Row

# The same horizon as the facts computed in the départements (tenants.statistics.status).
HORIZON_DAYS = x.MANDATE_HORIZON_DAYS
LAST_QUARTER_MONTH = 10

CANNOT_SIT = 1
UNLAWFUL = 2
SOON_SHORT = 3
NOT_COMPUTED = 4  # not the commission's fault: the computation has not run for it yet


@dataclass(frozen=True)
class Reason:
    severity: int
    text: str


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def sessions_due(*, minimum: int, today: dt.date) -> int:
    """Sessions due by `today`: the yearly minimum pro rata of the days of the year elapsed,
    rounded down."""
    days = 366 if calendar.isleap(today.year) else 365
    elapsed = today.timetuple().tm_yday
    return minimum * elapsed // days


def sessions_behind(*, held: int, convened: int, minimum: int | None, today: dt.date) -> bool:
    """Behind the legal minimum (the rule is in the module's docstring)."""
    if not minimum:
        return False
    if held < sessions_due(minimum=minimum, today=today):
        return True
    return today.month >= LAST_QUARTER_MONTH and held + convened < minimum


def approvals_expiring_text(*, status: CommissionStatus) -> str:
    """ "2 agréments expirent avant le 15/01/2027", or "" when none does."""
    if not status.approvals_expiring:
        return ""
    verb = "expire" if status.approvals_expiring == 1 else "expirent"
    horizon = status.computed_on + dt.timedelta(days=HORIZON_DAYS)
    return (
        f"{_plural(status.approvals_expiring, 'agrément')} {verb} avant le {french_date(horizon)}"
    )


def reasons(*, status: CommissionStatus, college_names: dict[str, str]) -> list[Reason]:
    """Why a commission needs action, most urgent first; empty when it is up to date."""
    day = status.computed_on
    horizon = day + dt.timedelta(days=HORIZON_DAYS)
    found: list[Reason] = []
    if status.titulars == 0:
        found.append(Reason(CANNOT_SIT, "Aucun titulaire en mandat"))
    if not status.sessions_held_12_months:
        since = (
            f"Aucune séance depuis le {french_date(status.last_session_on)}"
            if status.last_session_on
            else "Aucune séance tenue"
        )
        found.append(Reason(CANNOT_SIT, since))
    elif sessions_behind(
        held=status.sessions_held_year,
        convened=status.sessions_convened_rest_of_year,
        minimum=status.sessions_minimum,
        today=day,
    ):
        text = (
            f"{_plural(status.sessions_held_year, 'séance')} en {day.year} "
            f"sur {status.sessions_minimum} requises"
        )
        if day.month >= LAST_QUARTER_MONTH and not status.sessions_convened_rest_of_year:
            text += ", aucune autre convoquée"
        found.append(Reason(UNLAWFUL, text))
    if status.titulars:
        # With nobody in mandate, the vacant colleges and seats say nothing more.
        vacant = [college_names.get(c, c) for c in status.colleges_without_titular]
        if vacant:
            label = "Collège vacant" if len(vacant) == 1 else "Collèges vacants"
            found.append(Reason(UNLAWFUL, f"{label} : {', '.join(sorted(vacant))}"))
        if not status.chair_in_office:
            found.append(Reason(UNLAWFUL, "Aucun président en mandat"))
        incomplete = colleges_incomplete(status=status, college_names=college_names)
        if incomplete:
            found.append(Reason(SOON_SHORT, f"Sièges vacants : {', '.join(incomplete)}"))
        if status.mandates_ending:
            verb = "expire" if status.mandates_ending == 1 else "expirent"
            found.append(
                Reason(
                    SOON_SHORT,
                    f"{_plural(status.mandates_ending, 'mandat')} {verb} avant le "
                    f"{french_date(horizon)} sans successeur nommé",
                )
            )
    if status.files_overdue:
        found.append(Reason(SOON_SHORT, f"{_plural(status.files_overdue, 'dossier')} hors délai"))
    return sorted(found, key=lambda reason: reason.severity)


def colleges_incomplete(*, status: CommissionStatus, college_names: dict[str, str]) -> list[str]:
    """'name (filled/seats)' for each college with a titular and a vacant seat (the colleges
    without a titular are named apart)."""
    return sorted(
        f"{college_names.get(code, code)} ({filled}/{seats})"
        for code, (seats, filled) in status.colleges.items()
        if 0 < filled < seats and code not in status.colleges_without_titular
    )


@dataclass(frozen=True)
class StatusRow:
    code: str
    name: str
    region: str
    status: CommissionStatus | None  # None: not computed yet
    reasons: list[Reason] = field(default_factory=list)
    colleges_missing: list[str] = field(default_factory=list)  # their names
    colleges_incomplete: list[str] = field(default_factory=list)

    @property
    def to_handle(self) -> bool:
        return any(reason.severity < NOT_COMPUTED for reason in self.reasons)

    @property
    def severity(self) -> int:
        return min((reason.severity for reason in self.reasons), default=NOT_COMPUTED + 1)

    @property
    def approvals_note(self) -> str:
        return approvals_expiring_text(status=self.status) if self.status else ""

    @property
    def sessions_due(self) -> int | None:
        if self.status is None or not self.status.sessions_minimum:
            return None
        return sessions_due(minimum=self.status.sessions_minimum, today=self.status.computed_on)


@dataclass(frozen=True)
class Overview:
    rows: list[StatusRow]
    computed_on: dt.date | None  # the most recent day computed
    minimum: int | None  # the legal yearly minimum on that day

    @property
    def to_handle(self) -> int:
        return sum(1 for row in self.rows if row.to_handle)

    @property
    def up_to_date(self) -> int:
        return sum(1 for row in self.rows if row.status is not None and not row.to_handle)

    @property
    def not_computed(self) -> int:
        return sum(1 for row in self.rows if row.status is None)


def commission_overview() -> Overview:
    """Every active département's commission as last computed, those to handle first (by
    severity, then département). Four queries whatever the number of départements."""
    names = {
        d.code: (d.name, d.region.name)
        for d in Departement.objects.select_related("region").only("code", "name", "region__name")
    }
    college_names = dict(
        NomenclatureItem.objects.filter(kind="college").values_list("code", "label")
    )
    statuses = {s.departement: s for s in CommissionStatus.objects.all()}
    active = set(Tenant.objects.filter(status=TenantStatus.ACTIVE).values_list("code", flat=True))
    rows = []
    for code in active | set(statuses):
        name, region = names.get(code, (code, ""))
        status = statuses.get(code)
        if status is None:
            rows.append(
                StatusRow(
                    code, name, region, None, [Reason(NOT_COMPUTED, "Situation non calculée")]
                )
            )
            continue
        rows.append(
            StatusRow(
                code,
                name,
                region,
                status,
                reasons(status=status, college_names=college_names),
                sorted(college_names.get(c, c) for c in status.colleges_without_titular),
                colleges_incomplete(status=status, college_names=college_names),
            )
        )
    rows.sort(key=lambda row: (row.severity, Departement.order_key(row.code)))
    latest = max((s.computed_on for s in statuses.values()), default=None)
    minimum = next((s.sessions_minimum for s in statuses.values() if s.computed_on == latest), None)
    return Overview(rows=rows, computed_on=latest, minimum=minimum)


@dataclass(frozen=True)
class OversightRow:
    code: str
    name: str
    region: str
    titulars: int
    colleges_without_titular: int
    colleges_missing: list[str]  # their names
    seats: int  # titular seats of the composition set by arrêté, the chair's included
    seats_filled: int
    # "name (filled/seats)" where a college has a titular but a seat stays vacant (the colleges
    # without a titular are named above)
    colleges_incomplete: list[str]
    sessions_held: int
    sessions_without_quorum: int
    # The legal minimum of sessions over the release's period (None: no minimum applies, or
    # the period is shorter than the year the minimum is set for).
    sessions_minimum: int | None
    files_overdue: int
    approvals_expiring: int

    @property
    def below_minimum(self) -> bool:
        if self.sessions_minimum is None:
            return self.sessions_held == 0
        return self.sessions_held < self.sessions_minimum

    @property
    def seats_vacant(self) -> int:
        return self.seats - self.seats_filled

    @property
    def needs_attention(self) -> bool:
        return bool(
            self.titulars == 0
            or self.colleges_without_titular
            or self.seats_vacant
            or self.below_minimum
            or self.files_overdue
            or self.approvals_expiring
        )


def sessions_minimum(*, release: Release) -> int | None:
    """Sessions a commission must hold over the release's period: the dated yearly minimum, for
    a year release only (a minimum per year says nothing of a quarter)."""
    from parcours.referentiel.selectors import MissingLegalParameter, legal_parameter_value

    if release.period_kind != "year":
        return None
    try:
        return int(
            legal_parameter_value(key="commission_min_sessions_per_year", on=release.period_end)
        )
    except MissingLegalParameter:
        return None


def oversight(*, board: Dashboard) -> list[OversightRow]:
    """Each included département's commission, sorted where the ministry should act first: no
    commission, colleges without a titular, vacant seats of the composition, fewer sessions than
    the legal minimum (or none), overdue files, expiring approvals."""
    minimum = sessions_minimum(release=board.release)
    names = dict(NomenclatureItem.objects.filter(kind="college").values_list("code", "label"))
    missing: dict[str, list[str]] = {}
    # (département, college) -> {indicator: value} for the seats and the seats filled
    composition: dict[tuple[str, str], dict[str, int]] = {}
    for code, indicator, college, count in PublishedFigure.objects.filter(
        release=board.release,
        level=Level.DEPARTEMENT,
        indicator__in=[x.COLLEGES_WITHOUT_TITULAR, x.COMPOSITION_SEATS, x.SEATS_FILLED],
        dimension=x.DIMENSION_COLLEGE,
    ).values_list("code", "indicator", "category", "value"):
        if indicator == x.COLLEGES_WITHOUT_TITULAR:
            missing.setdefault(code, []).append(names.get(college, college))
        else:
            composition.setdefault((code, college), {})[indicator] = count or 0
    incomplete: dict[str, list[str]] = {}
    for (code, college), college_values in sorted(composition.items()):
        filled = college_values.get(x.SEATS_FILLED, 0)
        seats = college_values.get(x.COMPOSITION_SEATS, 0)
        name = names.get(college, college)
        if filled < seats and name not in missing.get(code, []):
            incomplete.setdefault(code, []).append(f"{name} ({filled}/{seats})")

    def value(row: Row, indicator: str) -> int:
        figure = row.values.get(indicator)
        return figure.value or 0 if figure is not None else 0

    rows = [
        OversightRow(
            code=row.code,
            name=row.name,
            region=row.region,
            titulars=value(row, x.COMMISSION_TITULARS),
            colleges_without_titular=value(row, x.COLLEGES_WITHOUT_TITULAR),
            colleges_missing=sorted(missing.get(row.code, [])),
            seats=value(row, x.COMPOSITION_SEATS),
            seats_filled=value(row, x.SEATS_FILLED),
            colleges_incomplete=sorted(incomplete.get(row.code, [])),
            sessions_held=value(row, x.SESSIONS_HELD),
            sessions_without_quorum=value(row, x.SESSIONS_WITHOUT_QUORUM),
            sessions_minimum=minimum,
            files_overdue=value(row, x.FILES_OVERDUE),
            approvals_expiring=value(row, x.APPROVALS_EXPIRING),
        )
        for row in board.departements
    ]
    return sorted(
        rows,
        key=lambda r: (
            r.titulars > 0,
            -r.colleges_without_titular,
            -r.seats_vacant,
            not r.below_minimum,
            -r.files_overdue,
            -r.approvals_expiring,
            Departement.order_key(r.code),
        ),
    )
