"""Work queues: what each role has to do today, with counts and the oldest items first.

The queues are named after what the person does next, and each file falls in the queue of
its state as the national workflow defines it (`shipped_workflow`: a département's variant adds
fields and optional steps, never the states these queues are made of). No state is named here:
the workflow says where completeness is checked (`missing_items_states`), where the file waits
on the association (a paused clock), where it waits for a session (`schedulable_states`), on an
agenda (`on_agenda_states`) and for the préfet (`awaiting_decision_states`).

Every queue is read in a fixed number of queries, whatever the number of files: one read of the
files in instruction feeds four queues, and the counts are those of the rows read. An
association worker's queue spans every département where it works: each département is read in
its own schema under its own PostgreSQL role (`confined`), through the same permission-checked
selector as the file list there (`dossiers_visible`: its association's files, while its approval
is in force), so it costs a fixed number of queries per département.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django_tenants.utils import schema_context

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.db import confined
from parcours.departements.models import Tenant
from parcours.errors import NotAllowed
from parcours.workflows.definition import Clock, Workflow
from parcours.workflows.services import current_variant, shipped_workflow
from tenants.casework.models import (
    Dossier,
    Lifecycle,
    PathwayStatus,
    Period,
    Reminder,
    Right,
    RightStatus,
)
from tenants.casework.selectors import decisions_oldest_first, dossiers_visible, reminders_for
from tenants.commission.models import AgendaItem, Member, Session, SessionStatus
from tenants.commission.seats import Quorum, quorum
from tenants.commission.selectors import sessions_for

# How many rows a queue lists under its count (the list page shows them all).
SHOWN = 5
# How far ahead a member is told that their mandate ends.
MANDATE_WARNING_DAYS = 90


class WorklistRefused(NotAllowed):
    """The queue of a role the person does not hold here."""


@dataclass(frozen=True)
class WorkItem:
    """One line of a queue: a file (by its pseudonym) and the date that makes it urgent."""

    dossier_id: int | None
    reference: str
    label: str
    on: dt.date | None = None
    days: int | None = None
    detail: str = ""
    late: bool = False


@dataclass(frozen=True)
class Queue:
    """A count and its oldest items; `state` filters the file list on what it counts."""

    key: str
    label: str
    count: int
    items: tuple[WorkItem, ...]
    state: str = ""
    # How an item's date reads: since when it waits, or when it ends or meets.
    date_label: str = "depuis le"


@dataclass(frozen=True)
class NextSession:
    session: Session
    items: int
    quorum: Quorum


@dataclass(frozen=True)
class CoordinationWorklist:
    queues: tuple[Queue, ...]
    reminders: list[Reminder]
    next_session: NextSession | None


@dataclass(frozen=True)
class PrefetWorklist:
    decisions: Queue
    target_days: int


@dataclass(frozen=True)
class MemberWorklist:
    next_session: Session | None
    agenda: list[str]
    mandate_ends_on: dt.date | None
    mandate_ending: bool


@dataclass(frozen=True)
class WorkerFile:
    """A file of the worker's association in one of the départements where it works."""

    departement_code: str
    departement_name: str
    dossier_id: int
    reference: str
    kind: str
    state_label: str
    next_action: str
    due_on: dt.date | None
    missing_items: str = ""
    theirs: bool = False
    here: bool = False


@dataclass(frozen=True)
class WorkerWorklist:
    files: list[WorkerFile] = field(default_factory=list)
    departements: list[str] = field(default_factory=list)

    @property
    def to_act(self) -> int:
        return sum(1 for f in self.files if f.theirs)


@cache
def _workflow() -> Workflow:
    return shipped_workflow()


def _require(access: Access, role: Role) -> None:
    if role not in access.roles:
        raise WorklistRefused(["Cette file de travail n'est pas la vôtre ici."])


def _deadlines(access: Access) -> dict[str, int]:
    """The département's delays (its variant may adjust them), for files of any version."""
    assert access.tenant is not None
    return current_variant(tenant=access.tenant).workflow.deadlines


def _local_day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(moment).date() if moment is not None else None


def _queue(
    key: str,
    label: str,
    items: list[WorkItem],
    state: Iterable[str] = (),
    date_label: str = "depuis le",
) -> Queue:
    states = sorted(state)
    return Queue(
        key=key,
        label=label,
        count=len(items),
        items=tuple(items[:SHOWN]),
        state=states[0] if len(states) == 1 else "",
        date_label=date_label,
    )


def coordination_worklist(*, access: Access, today: dt.date) -> CoordinationWorklist:
    """The DDFE's day: files to check, waiting on the association, to schedule, on an agenda,
    awaiting the préfet; periods and APS ending; reminders; the next session and its quorum."""
    _require(access, Role.COORDINATOR)
    workflow = _workflow()
    limits = _deadlines(access)
    to_check = workflow.missing_items_states
    paused = frozenset(s for s in workflow.instruction_states if workflow.clock(s) is Clock.PAUSED)
    to_schedule = workflow.schedulable_states
    on_agenda = workflow.on_agenda_states
    awaiting = workflow.awaiting_decision_states
    files = list(
        Dossier.objects.in_active_base()
        .filter(state__in=to_check | paused | to_schedule | on_agenda | awaiting)
        .select_related("person")
        .only(
            "id",
            "state",
            "submitted_at",
            "clock_paused_since",
            "session_on",
            "commission_avis_on",
            "missing_items",
            "person__pseudonym",
        )
        .order_by("submitted_at", "id")
    )

    def rows(states: frozenset[str], since: str) -> list[WorkItem]:
        found = []
        for d in files:
            if d.state not in states:
                continue
            moment = getattr(d, since)
            day = (
                moment
                if isinstance(moment, dt.date) and not isinstance(moment, dt.datetime)
                else _local_day(moment)
            )
            found.append(
                WorkItem(
                    dossier_id=d.pk,
                    reference=d.person.pseudonym,
                    label=workflow.label(d.state),
                    on=day,
                    days=(today - day).days if day else None,
                    detail=d.missing_items if states is paused else "",
                )
            )
        return sorted(found, key=lambda item: (item.on or today, item.dossier_id or 0))

    queues = [
        _queue("to_check", "Dossiers déposés à vérifier", rows(to_check, "submitted_at"), to_check),
        _queue(
            "missing_items",
            "Pièces manquantes attendues",
            rows(paused, "clock_paused_since"),
            paused,
        ),
        _queue(
            "to_schedule",
            "Dossiers complets à inscrire en séance",
            rows(to_schedule, "submitted_at"),
            to_schedule,
        ),
        _queue(
            "on_agenda",
            "Dossiers inscrits à une séance",
            rows(on_agenda, "session_on"),
            on_agenda,
            date_label="séance du",
        ),
        _queue(
            "awaiting_prefet",
            "Avis rendus, décision du préfet attendue",
            rows(awaiting, "commission_avis_on"),
            awaiting,
        ),
        _queue(
            "periods_ending",
            "Périodes qui se terminent",
            _periods_ending(today=today, days=limits["period_end_warning_days"]),
            date_label="fin le",
        ),
        _queue(
            "aps_expiring",
            "APS qui expirent",
            _aps_expiring(today=today, days=limits["aps_expiry_warning_days"]),
            date_label="fin le",
        ),
    ]
    return CoordinationWorklist(
        queues=tuple(queues),
        reminders=reminders_for(access=access),
        next_session=_next_session(today=today),
    )


def _periods_ending(
    *, today: dt.date, days: int, dossiers: QuerySet[Dossier, Any] | None = None
) -> list[WorkItem]:
    """Running periods that end within `days` with no renewal under way (as the reminders)."""
    renewal = Dossier.objects.filter(
        pathway_id=OuterRef("pathway_id"), number__gt=OuterRef("dossier__number")
    ).exclude(state__in=_workflow().closed_without_authorisation_states)
    periods = Period.objects.filter(
        pathway__status=PathwayStatus.ACTIVE,
        pathway__person__lifecycle=Lifecycle.ACTIVE,
        ended_early_on__isnull=True,
        ends_on__gte=today,
        ends_on__lte=today + dt.timedelta(days=days),
    )
    if dossiers is not None:
        periods = periods.filter(dossier_id__in=dossiers)
    periods = (
        periods.annotate(renewing=Exists(renewal))
        .filter(renewing=False)
        .select_related("pathway__person")
        .order_by("ends_on", "id")
    )
    return [
        WorkItem(
            dossier_id=p.dossier_id,
            reference=p.pathway.person.pseudonym,
            label=f"Période {p.number}",
            on=p.ends_on,
            days=(p.ends_on - today).days,
        )
        for p in periods
    ]


def _aps_expiring(*, today: dt.date, days: int) -> list[WorkItem]:
    latest = Dossier.objects.filter(person_id=OuterRef("person_id")).order_by("-created_at", "-id")
    rights = (
        Right.objects.filter(
            person__lifecycle=Lifecycle.ACTIVE,
            right_type="aps",
            status=RightStatus.GRANTED,
            ends_on__isnull=False,
            ends_on__lte=today + dt.timedelta(days=days),
        )
        .annotate(dossier_id=Subquery(latest.values("pk")[:1]))
        .select_related("person")
        .order_by("ends_on", "id")
    )
    return [
        WorkItem(
            dossier_id=r.dossier_id,
            reference=r.person.pseudonym,
            label="APS",
            on=r.ends_on,
            days=(r.ends_on - today).days if r.ends_on else None,
            late=bool(r.ends_on and r.ends_on < today),
        )
        for r in rights
    ]


def _next_session(*, today: dt.date) -> NextSession | None:
    """The next session not closed yet (today's included), its agenda's size and quorum."""
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    session = (
        Session.objects.filter(
            status__in=[SessionStatus.PLANNED, SessionStatus.CONVENED, SessionStatus.OPEN],
            starts_at__gte=start,
        )
        .annotate(item_count=Count("items"))
        .order_by("starts_at", "id")
        .first()
    )
    if session is None:
        return None
    return NextSession(
        session=session,
        items=session.item_count,
        quorum=quorum(session=session),
    )


def prefet_worklist(*, access: Access, today: dt.date) -> PrefetWorklist:
    """The decisions to sign, oldest avis first, with the days since the avis."""
    _require(access, Role.PREFET)
    workflow = _workflow()
    target = _deadlines(access)["decision_target_days"]
    waiting = decisions_oldest_first(
        Dossier.objects.in_active_base()
        .filter(state__in=workflow.awaiting_decision_states)
        .select_related("person")
        .only(
            "id",
            "state",
            "kind",
            "number",
            "commission_avis_on",
            "submitted_at",
            "person__pseudonym",
        )
    )
    items = [
        WorkItem(
            dossier_id=d.pk,
            reference=d.person.pseudonym,
            label=f"{d.get_kind_display()} n° {d.number}",
            on=d.commission_avis_on,
            days=(today - d.commission_avis_on).days if d.commission_avis_on else None,
            late=bool(d.commission_avis_on and (today - d.commission_avis_on).days > target),
        )
        for d in waiting
    ]
    return PrefetWorklist(
        decisions=Queue(
            key="decisions",
            label="Décisions à signer",
            count=len(items),
            items=tuple(items),
            state=min(workflow.awaiting_decision_states),
        ),
        target_days=target,
    )


def member_worklist(*, access: Access, today: dt.date) -> MemberWorklist:
    """A member's next session (convened to them), its agenda by pseudonyms, their mandate."""
    _require(access, Role.MEMBER)
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    upcoming = [
        s
        for s in sessions_for(access=access)
        if s.status != SessionStatus.CLOSED and s.starts_at >= start
    ]
    session = min(upcoming, key=lambda s: (s.starts_at, s.pk), default=None)
    agenda: list[str] = []
    if session is not None:
        for item in (
            AgendaItem.objects.filter(session=session)
            .select_related("dossier__person")
            .order_by("position", "id")
        ):
            agenda.append(
                f"Dossier {item.dossier.person.pseudonym} ({item.dossier.get_kind_display().lower()})"
                if item.dossier is not None
                else str(item.title)
            )
    ends = (
        Member.objects.filter(
            user_id=access.user_id or 0, ended_on__isnull=True, mandate_end__gte=today
        )
        .order_by("mandate_end")
        .values_list("mandate_end", flat=True)
        .first()
    )
    return MemberWorklist(
        next_session=session,
        agenda=agenda,
        mandate_ends_on=ends,
        mandate_ending=bool(ends and (ends - today).days <= MANDATE_WARNING_DAYS),
    )


def worker_worklist(*, access: Access, today: dt.date) -> WorkerWorklist:
    """The files of the worker's association(s) in every département where it works.

    Each département is read in its own schema, under its own role, with an access built from
    the person's memberships *there* (the same selector and scope as its file list): a file of
    an association the person does not belong to, or whose approval is not in force there,
    never appears. The person passed the second-factor check for this request; memberships are
    the account's, read once by `access_for`.
    """
    _require(access, Role.ASSOCIATION_WORKER)
    spaces: dict[int, tuple[Tenant, set[int]]] = {}
    for m in access.memberships:
        if m.role != Role.ASSOCIATION_WORKER or m.tenant is None or m.association_id is None:
            continue
        if not m.tenant.is_active:
            continue
        spaces.setdefault(m.tenant.pk, (m.tenant, set()))[1].add(m.association_id)
    files: list[WorkerFile] = []
    for tenant, associations in sorted(spaces.values(), key=lambda pair: pair[0].code):
        there = Access(
            user_id=access.user_id,
            tenant=tenant,
            roles=frozenset({Role.ASSOCIATION_WORKER}),
            association_ids=frozenset(associations),
            memberships=access.memberships,
        )
        here = access.tenant is not None and tenant.pk == access.tenant.pk
        # Its dates in its own zone (overseas départements), as its own pages show them.
        with (
            schema_context(tenant.schema_name),
            confined(tenant.schema_name),
            timezone.override(tenant.zone),
        ):
            files.extend(_worker_files(access=there, today=today, tenant=tenant, here=here))
    files.sort(
        key=lambda f: (not f.theirs, f.due_on or dt.date.max, f.departement_code, f.reference)
    )
    return WorkerWorklist(files=files, departements=sorted(t.code for t, _ in spaces.values()))


def _worker_files(
    *, access: Access, today: dt.date, tenant: Tenant, here: bool
) -> list[WorkerFile]:
    workflow = _workflow()
    limits = workflow.deadlines
    dossiers = list(dossiers_visible(access=access).exclude(state__in=workflow.final_states))
    found: list[WorkerFile] = []
    for d in dossiers:
        theirs = d.state in workflow.editable_states
        due = None
        if workflow.clock(d.state) is Clock.PAUSED:
            action = "Fournir les pièces demandées et déposer à nouveau"
            since = _local_day(d.clock_paused_since)
            due = (
                since + dt.timedelta(days=limits["missing_items_unanswered_days"])
                if since
                else None
            )
        elif theirs:
            action = "Compléter et déposer le dossier"
        else:
            action = "Aucune : instruit par l'administration"
        found.append(
            WorkerFile(
                departement_code=tenant.code,
                departement_name=tenant.name,
                dossier_id=d.pk,
                reference=d.person.pseudonym,
                kind=f"{d.get_kind_display()} n° {d.number}",
                state_label=workflow.label(d.state),
                next_action=action,
                due_on=due,
                missing_items=d.missing_items if workflow.clock(d.state) is Clock.PAUSED else "",
                theirs=theirs,
                here=here,
            )
        )
    scope = dossiers_visible(access=access).values("pk")
    for item in _periods_ending(
        today=today, days=limits["period_end_warning_days"], dossiers=scope
    ):
        found.append(
            WorkerFile(
                departement_code=tenant.code,
                departement_name=tenant.name,
                dossier_id=item.dossier_id or 0,
                reference=item.reference,
                kind=item.label,
                state_label=workflow.label(min(workflow.authorised_states)),
                next_action="Demander le renouvellement avant la fin de la période",
                due_on=item.on,
                theirs=True,
                here=here,
            )
        )
    return found


@dataclass(frozen=True)
class Worklists:
    """Each of the person's roles here and its work queue; None for a role not held."""

    coordination: CoordinationWorklist | None
    prefet: PrefetWorklist | None
    member: MemberWorklist | None
    worker: WorkerWorklist | None


def worklists_of(*, access: Access, today: dt.date) -> Worklists:
    """The work queues of every role the person holds here (home page and API alike)."""
    roles = access.roles
    return Worklists(
        coordination=coordination_worklist(access=access, today=today)
        if Role.COORDINATOR in roles
        else None,
        prefet=prefet_worklist(access=access, today=today) if Role.PREFET in roles else None,
        member=member_worklist(access=access, today=today) if Role.MEMBER in roles else None,
        worker=worker_worklist(access=access, today=today)
        if Role.ASSOCIATION_WORKER in roles
        else None,
    )
