"""The 101 departmental commissions for the national demo: members by college appointed by
arrêté for 3 years and reappointed, and their sessions from 2022 to today.

What the sources give (../shared/domain.md): 80 commissions in January 2021, all 101 in 2024; in
2024, 23 did not meet. The issue adds that 62 met several times. Here:

- installed: 80 before 2021 (every département with persons among them), then 11 in 2022, 6 in
  2023 and 4 early in 2024, among the départements without persons: 91, 97 and 101 commissions
  on each 31 December;
- sessions in 2024: none for 23 départements without persons, one for the 11 others and for the 5
  smallest with persons (one person), two or more for the 62 others, more where more persons are
  followed (Paris 11); 2022, 2023 and 2025 alike, a little sparser; 2026 (the décret of 30
  December 2025 sets two a year) two or more for most, up to today;
- now needing action, on purpose: three commissions whose mandates ended in 2025 and were
  not renewed, three whose mandates end within 90 days, three with a college left vacant (a
  titular changed post, nobody appointed since), and five below two sessions this year.

Seats carry no person's name (the members are fictional "seats"): nothing personal is written in
the national schema. Sessions are recorded as held (closed) without attendance rows; one in a
few is a session without quorum (carence) followed by a second convocation a week later.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from parcours.accounts.models import User
from tenants.commission.models import CollegeSetting, EndReason, Member, Session, SessionStatus

# (college, chair): the préfet chairs, in the DDETS college like the demo compositions.
COMPOSITION = [
    ("ddets", True),
    ("ddets", False),
    ("magistrat", False),
    ("police_securite_publique", False),
    ("police_judiciaire", False),
    ("gendarmerie", False),
    ("service_etrangers", False),
    ("emploi", False),
    ("education", False),
    ("medecin", False),
    ("collectivites", False),
    ("collectivites", False),
]
# The seeded arrêtés end "-CDLP-<n>" (n-th composition), the demo's "-CDLP".
ARRETE_MARK = r"-CDLP-\d+$"
MANDATE_YEARS = 3


@dataclass
class CommissionPlan:
    code: str
    installed: dt.date
    association_ids: list[int]
    # Sessions planned per year (the current year's after today are not recorded).
    sessions: dict[int, int] = field(default_factory=dict)
    # Mandates not renewed after this day (None: renewed up to today).
    lapsed_after: dt.date | None = None
    vacant_college: str = ""
    # The mandates end within 90 days and the next arrêté is not taken yet (elsewhere it is
    # taken ahead, as a préfecture does).
    renewal_due: bool = False


def _hash(code: str) -> int:
    return zlib.crc32(code.encode())


def _frequency(persons: int) -> int:
    """Sessions a year where `persons` are followed: more files, more sessions."""
    if persons >= 100:
        return 11
    if persons >= 40:
        return 8
    if persons > 20:
        return 5
    if persons > 5:
        return 3
    return 2


def commission_plans(
    *, stock_2024: Mapping[str, int], approvals: Mapping[str, list[int]]
) -> dict[str, CommissionPlan]:
    """Every département's commission: installation, sessions per year, what needs action."""
    today = timezone.localdate()
    codes = sorted(stock_2024, key=lambda c: (_hash(c), c))
    with_persons = [c for c in codes if stock_2024[c]]
    without = [c for c in codes if not stock_2024[c]]
    late = {**dict.fromkeys(without[:11], 2022), **dict.fromkeys(without[11:17], 2023)}
    late |= dict.fromkeys(without[17:21], 2024)
    spread = Counter(a for ids in approvals.values() for a in ids)
    widest = [spread.most_common(1)[0][0]] if spread else []
    plans: dict[str, CommissionPlan] = {}
    for code in codes:
        h = _hash(code)
        if code in late:
            month = 1 + h % (3 if late[code] == 2024 else 11)
            installed = dt.date(late[code], month, 1 + h % 27)
        else:
            installed = dt.date(2017, 6, 1) + dt.timedelta(days=h % 1300)
        # The associations' seats: those approved here, else the network approved most widely
        # (a département without an approved association still seats one).
        plans[code] = CommissionPlan(code, installed, list(approvals.get(code, [])) or widest)
    # 2024: 23 without a session, 16 with one, 62 with two or more.
    smallest = sorted(with_persons, key=lambda c: (stock_2024[c], _hash(c)))[:5]
    for code in codes:
        persons = stock_2024[code]
        plan = plans[code]
        for year in range(2022, today.year + 1):
            if persons:
                n = _frequency(persons)
                if code in smallest and year <= 2025:
                    n = 1
                elif year in (2022, 2023, 2025) and n > 2 and _hash(code) % 3 == year % 3:
                    n -= 1
            elif year >= 2026:
                n = 2
            elif year == 2024:
                n = 1 if without.index(code) >= 23 else 0
            else:
                n = 1 if (_hash(code) + year) % 3 == 0 else 0
            plan.sessions[year] = n
    # Needing action today (see the module's docstring).
    special = {*without[21:28], *with_persons[5:9]}
    early = [c for c in without if c not in {*late, *special}]
    for n, code in enumerate([*early[:2], *with_persons[9:10]]):
        plans[code].lapsed_after = dt.date(2025, 3, 1) + dt.timedelta(days=150 * n)
        plans[code].installed = plans[code].lapsed_after - relativedelta(years=2 * MANDATE_YEARS)
    for n, code in enumerate(without[21:24]):
        # Appointed so that the current mandates end 30 to 70 days from today.
        plans[code].installed = today + dt.timedelta(days=30 + 20 * n) - relativedelta(years=6)
        plans[code].renewal_due = True
    for code, college in zip(
        with_persons[5:8], ["gendarmerie", "medecin", "education"], strict=False
    ):
        plans[code].vacant_college = college
    for code in [*without[24:27], *with_persons[8:9]]:
        plans[code].sessions[today.year] = 1
    for code in without[27:28]:
        plans[code].sessions[today.year] = 0
    return plans


def seat_users_ensure(*, codes: list[str]) -> dict[tuple[str, int], int]:
    """One account per seat of each commission (reappointed from one arrêté to the next):
    named by the seat, not after a person. Two queries."""
    seats = len(COMPOSITION) + 2
    emails = {
        (code, seat): f"siege.{seat:02d}.{code.lower()}@commission.parcours.test"
        for code in codes
        for seat in range(seats)
    }
    unusable = make_password(None)
    User.objects.bulk_create(
        [
            User(
                email=email, first_name="Siège", last_name=f"{seat + 1} ({code})", password=unusable
            )
            for (code, seat), email in emails.items()
        ],
        ignore_conflicts=True,
    )
    ids = dict(User.objects.filter(email__in=emails.values()).values_list("email", "pk"))
    return {key: ids[email] for key, email in emails.items()}


def _cycles(
    plan: CommissionPlan, today: dt.date, until: dt.date | None
) -> list[tuple[dt.date, dt.date]]:
    """The successive 3-year mandates from installation, up to today (or the lapse), and the
    next one where it starts within 90 days (its arrêté already taken)."""
    cycles = []
    start = plan.installed
    horizon = today if plan.renewal_due else today + dt.timedelta(days=90)
    while start <= horizon:
        end = start + relativedelta(years=MANDATE_YEARS) - dt.timedelta(days=1)
        if until is not None and start >= until:
            break
        cycles.append((start, min(end, until - dt.timedelta(days=1)) if until else end))
        if plan.lapsed_after is not None and end >= plan.lapsed_after - dt.timedelta(days=1):
            break
        start = end + dt.timedelta(days=1)
    return cycles


def commission_write(*, plan: CommissionPlan, users: Mapping[tuple[str, int], int]) -> bool:
    """Members, college settings and sessions in the current schema; False when already done.
    Where a composition was appointed by other means (the demo's), the seeded mandates end the
    day before it and its college settings are kept."""
    if Member.objects.filter(arrete_reference__regex=ARRETE_MARK).exists():
        return False
    today = timezone.localdate()
    existing = Member.objects.aggregate(first=Min("mandate_start"))["first"]
    composition = list(COMPOSITION)
    associations: list[int | None] = [*plan.association_ids[:2]] or [None]
    composition += [("associations", False)] * len(associations)
    with transaction.atomic():
        members = []
        for cycle, (start, end) in enumerate(_cycles(plan, today, existing)):
            for seat, (college, chair) in enumerate(composition):
                association = None
                if college == "associations":
                    association = associations[seat - len(COMPOSITION)]
                vacated = start <= today <= end and college == plan.vacant_college
                members.append(
                    Member(
                        user_id=users[(plan.code, seat)],
                        college=college,
                        association_id=association,
                        is_chair=chair,
                        arrete_reference=f"Arrêté préfectoral {plan.code}-{start:%Y}-CDLP-{cycle + 1}",
                        arrete_on=min(start - dt.timedelta(days=10), today),
                        mandate_start=start,
                        mandate_end=end,
                        ended_on=min(today, max(start, today - dt.timedelta(days=120)))
                        if vacated
                        else None,
                        end_reason=EndReason.CHANGE_OF_POST if vacated else "",
                    )
                )
        Member.objects.bulk_create(members)
        seats: dict[str, int] = {}
        for college, _ in composition:
            seats[college] = seats.get(college, 0) + 1
        already = set(CollegeSetting.objects.values_list("college", flat=True))
        CollegeSetting.objects.bulk_create(
            [
                CollegeSetting(college=c, titular_seats=n)
                for c, n in seats.items()
                if c not in already
            ]
        )
        _sessions_write(plan, today)
    return True


def _sessions_write(plan: CommissionPlan, today: dt.date) -> None:
    """The planned sessions, spread over each year, on a Tuesday afternoon, while a composition
    is in office and before today; in 2023 and 2025 the second session of a commission meeting
    four times or more lacked its quorum and was convened again a week later."""
    offset = _hash(plan.code) % 12
    end = plan.lapsed_after or today
    firsts: list[Session] = []
    carences: list[Session] = []
    for year, n in sorted(plan.sessions.items()):
        for k in range(n):
            day = dt.date(year, 1, 12) + dt.timedelta(days=int((k + 0.5) * 330 / n) + offset)
            day += dt.timedelta(days=(1 - day.weekday()) % 7)
            if not plan.installed < day < end:
                continue
            starts = timezone.make_aware(dt.datetime.combine(day, dt.time(14, 0)))
            session = Session(
                starts_at=starts,
                place="Préfecture, salle du conseil",
                status=SessionStatus.CLOSED,
                convened_at=starts - dt.timedelta(days=8),
                opened_at=starts,
                closed_at=starts + dt.timedelta(hours=2),
            )
            if year in (2023, 2025) and n >= 4 and k == 1:
                session.carence_at = starts + dt.timedelta(minutes=30)
                session.closed_at = session.carence_at
                carences.append(session)
            firsts.append(session)
    Session.objects.bulk_create(firsts)
    seconds = []
    for first in carences:
        starts = first.starts_at + dt.timedelta(days=7)
        if starts.date() >= end:
            continue
        seconds.append(
            Session(
                starts_at=starts,
                place="Préfecture, salle du conseil",
                status=SessionStatus.CLOSED,
                second_convocation=True,
                first_session=first,
                convened_at=first.carence_at,
                opened_at=starts,
                closed_at=starts + dt.timedelta(hours=2),
            )
        )
    Session.objects.bulk_create(seconds)
