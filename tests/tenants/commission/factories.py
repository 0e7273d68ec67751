"""Bring files through a real session, for tests whose subject comes after the commission's avis."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from parcours.accounts.models import User
from parcours.accounts.permissions import Access
from tenants.casework.models import Dossier
from tenants.commission import services
from tenants.commission.models import AgendaItem, Member, Presence, Session
from tenants.commission.selectors import members_active


def small_commission(coordinator: Access) -> list[Member]:
    """Three titular seats (the chair's included) in mandate, appointed once per schema."""
    active = [m for m in members_active() if m.is_titular]
    if active:
        return active
    start = timezone.localdate() - dt.timedelta(days=30)
    members = []
    for n, (college, chair) in enumerate(
        [("ddets", True), ("magistrat", False), ("medecin", False)]
    ):
        user = User.objects.create_user(
            email=f"siege{n}@membres.test", password=None, first_name="Siège", last_name=str(n)
        )
        members.append(
            services.member_appoint(
                access=coordinator,
                user_id=user.pk,
                college=college,
                arrete_reference="Arrêté test",
                arrete_on=start,
                mandate_start=start,
                is_chair=chair,
            )
        )
    return members


def through_a_session(
    *, coordinator: Access, dossiers: list[Dossier], avis: str = "favourable"
) -> list[AgendaItem]:
    """Schedule complete files onto a session, convene it, hold it today with every titular
    present, vote `avis` unanimously on each and close it: each file is then "avis given"."""
    seats = small_commission(coordinator)
    session = services.session_schedule(
        access=coordinator, starts_at=timezone.now() + dt.timedelta(days=10)
    )
    for dossier in dossiers:
        services.agenda_add_file(access=coordinator, session_id=session.pk, dossier_id=dossier.pk)
    services.session_convene(access=coordinator, session_id=session.pk)
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now())
    Dossier.objects.filter(agenda_items__session=session).update(session_on=timezone.localdate())
    services.session_open(access=coordinator, session_id=session.pk)
    for member in seats:
        services.attendance_record(
            access=coordinator,
            session_id=session.pk,
            member_id=member.pk,
            presence=Presence.IN_PERSON,
        )
    items = list(session.items.order_by("position"))
    for item in items:
        for member in seats:
            services.vote_cast(
                access=coordinator, item_id=item.pk, member_id=member.pk, choice=avis
            )
        services.item_close(access=coordinator, item_id=item.pk)
    services.session_close(access=coordinator, session_id=session.pk)
    return items


def convened_session(coordinator: Access, *, email_domain: str) -> Session:
    """Three members appointed today and a session nine days ahead with one policy item,
    convened: its convocations are queued on commit (tests of the e-mails' delivery)."""
    for college in ("magistrat", "medecin", "gendarmerie"):
        user = User.objects.create_user(email=f"{college}@{email_domain}", password=None)
        services.member_appoint(
            access=coordinator,
            user_id=user.pk,
            college=college,
            arrete_reference="A-1",
            arrete_on=timezone.localdate(),
            mandate_start=timezone.localdate(),
        )
    session = services.session_schedule(
        access=coordinator, starts_at=timezone.now() + dt.timedelta(days=9)
    )
    services.agenda_add_policy(
        access=coordinator, session_id=session.pk, title="Bilan annuel des parcours"
    )
    services.session_convene(access=coordinator, session_id=session.pk)
    return session


SEATED_COLLEGES = ["ddets", "magistrat", "medecin", "gendarmerie", "police_securite_publique"]


def seated_commission(coordinator: Access, *, seats: int = 19) -> list[Member]:
    """`seats` titular members in mandate (the first chairs), named "Membre 1…", each with an
    account: a full departmental commission, for tests of a whole session at once."""
    start = timezone.localdate() - dt.timedelta(days=30)
    members = []
    for n in range(1, seats + 1):
        user = User.objects.create_user(
            email=f"membre{n}@commission.test",
            password=None,
            first_name="Membre",
            last_name=str(n),
        )
        members.append(
            services.member_appoint(
                access=coordinator,
                user_id=user.pk,
                college=SEATED_COLLEGES[n % len(SEATED_COLLEGES)],
                arrete_reference="Arrêté 31-2026-19",
                arrete_on=start,
                mandate_start=start,
                is_chair=n == 1,
            )
        )
    return members


def session_of_the_day(coordinator: Access, *, items: int = 2, opened: bool = True) -> Session:
    """A session convened days ago for today, with `items` policy items; opened unless told."""
    session = services.session_schedule(
        access=coordinator, starts_at=timezone.now() + dt.timedelta(days=10)
    )
    for n in range(1, items + 1):
        services.agenda_add_policy(
            access=coordinator, session_id=session.pk, title=f"Point de politique {n}"
        )
    services.session_convene(access=coordinator, session_id=session.pk)
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now())
    if opened:
        services.session_open(access=coordinator, session_id=session.pk)
    session.refresh_from_db()
    return session


def member_seated(coordinator: Access, *, email: str) -> Member:
    """The person of `email` appointed to a titular seat a month ago, in mandate."""
    start = timezone.localdate() - dt.timedelta(days=30)
    return services.member_appoint(
        access=coordinator,
        user_id=User.objects.get(email=email).pk,
        college="magistrat",
        arrete_reference="A-2026-7",
        arrete_on=start,
        mandate_start=start,
    )


def session_in_twelve_days(coordinator: Access) -> Session:
    return services.session_schedule(
        access=coordinator, starts_at=timezone.now() + dt.timedelta(days=12)
    )
