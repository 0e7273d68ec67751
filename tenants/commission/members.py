"""Members and their mandates: appointment by arrêté, early end and replacement, the arrêté's
PDF, and how the département composes each college."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import transaction

from parcours.accounts.models import Role, User
from parcours.accounts.permissions import Access
from parcours.accounts.services import membership_grant, user_create
from parcours.db import connection
from parcours.errors import NotInScope
from parcours.referentiel.models import NomenclatureItem
from parcours.referentiel.selectors import legal_parameter_value
from parcours.storage import store_pdf
from tenants.commission.common import CommissionError, audit, coordinator_only
from tenants.commission.models import CollegeSetting, EndReason, Member


def member_appoint(
    *,
    access: Access,
    user_id: int,
    college: str,
    arrete_reference: str,
    arrete_on: dt.date,
    mandate_start: dt.date,
    titular_id: int | None = None,
    association_id: int | None = None,
    is_chair: bool = False,
    mandate_end: dt.date | None = None,
) -> Member:
    """Appoint a member (or a substitute) by arrêté, for the legal mandate duration, or until
    `mandate_end` when replacing a member for the rest of their mandate (CRPA R.133-4)."""
    coordinator_only(access)
    if not NomenclatureItem.objects.filter(kind="college", code=college, is_active=True).exists():
        raise CommissionError(["Collège inconnu."], fields={"college": ["Choisissez un collège."]})
    if not arrete_reference.strip():
        raise CommissionError(
            ["L'arrêté de désignation est obligatoire."],
            fields={"arrete_reference": ["Indiquez la référence de l'arrêté."]},
        )
    if arrete_on > mandate_start:
        raise CommissionError(
            ["Le mandat ne peut pas commencer avant l'arrêté."],
            fields={"mandate_start": ["Date antérieure à l'arrêté."]},
        )
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise CommissionError(["Compte inconnu."], fields={"user": ["Compte inconnu."]})
    years = int(legal_parameter_value(key="commission_mandate_years", on=mandate_start))
    tenant = access.tenant
    assert tenant is not None
    with transaction.atomic():
        titular = None
        if titular_id is not None:
            titular = Member.objects.filter(pk=titular_id, titular__isnull=True).first()
            if titular is None:
                raise CommissionError(
                    ["Un suppléant remplace un membre titulaire."],
                    fields={"titular": ["Titulaire inconnu."]},
                )
            if titular.college != college:
                raise CommissionError(
                    ["Le suppléant appartient au collège de son titulaire."],
                    fields={"college": ["Collège différent du titulaire."]},
                )
        member = Member.objects.create(
            user=user,
            college=college,
            titular=titular,
            association_id=association_id,
            is_chair=is_chair,
            arrete_reference=arrete_reference.strip(),
            arrete_on=arrete_on,
            mandate_start=mandate_start,
            mandate_end=min(
                mandate_end or dt.date.max,
                mandate_start + relativedelta(years=years) - dt.timedelta(days=1),
            ),
        )
        audit(
            access,
            "commission.member_appointed",
            "member",
            member.pk,
            college=college,
            substitute=titular is not None,
        )
    membership_grant(user=user, role=Role.MEMBER, tenant=tenant, actor_id=access.user_id)
    connection.set_tenant(tenant)
    return member


def member_designate(
    *,
    access: Access,
    email: str,
    first_name: str,
    last_name: str,
    college: str,
    arrete_reference: str,
    arrete_on: dt.date,
    mandate_start: dt.date,
    titular_id: int | None = None,
    association_id: int | None = None,
    is_chair: bool = False,
    mandate_end: dt.date | None = None,
) -> Member:
    """Appoint a member together with their account: the account of that address if there is
    one, else a new one without password (they choose it through the reset link). Account and
    appointment are one transaction: a refused appointment leaves no account behind."""
    coordinator_only(access)
    email = email.strip().lower()
    if "@" not in email or not first_name.strip() or not last_name.strip():
        raise CommissionError(
            ["Indiquez l'adresse, le prénom et le nom du membre."],
            fields={"email": ["Adresse, prénom et nom requis."]},
        )
    tenant = access.tenant
    try:
        with transaction.atomic():
            user = User.objects.filter(email__iexact=email).first() or user_create(
                email=email,
                password=None,
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                actor_id=access.user_id,
            )
            return member_appoint(
                access=access,
                user_id=user.pk,
                college=college,
                arrete_reference=arrete_reference,
                arrete_on=arrete_on,
                mandate_start=mandate_start,
                titular_id=titular_id,
                association_id=association_id,
                is_chair=is_chair,
                mandate_end=mandate_end,
            )
    finally:
        connection.set_tenant(tenant)


@dataclass(frozen=True)
class Replacement:
    """Who replaces a member for the rest of the mandate, and by which arrêté."""

    email: str
    first_name: str
    last_name: str
    arrete_reference: str
    arrete_on: dt.date


def member_end_mandate(
    *,
    access: Access,
    member_id: int,
    ended_on: dt.date,
    reason: str,
    replacement: Replacement | None = None,
) -> Member | None:
    """End a mandate early (resignation, death, change of post): the member no longer sits
    from `ended_on`. A replacement takes the same seat (college, association, chair, titular of
    the same substitutes) for the rest of the mandate (CRPA R.133-4); returns them."""
    coordinator_only(access)
    if reason not in EndReason.values:
        raise CommissionError(
            ["Motif de fin de mandat inconnu."],
            fields={"reason": ["Démission, décès, changement de fonctions ou autre."]},
        )
    tenant = access.tenant
    try:
        with transaction.atomic():
            member = Member.objects.select_for_update().filter(pk=member_id).first()
            if member is None:
                raise NotInScope("Membre inconnu.")
            if member.ended_on is not None:
                raise CommissionError(["Ce mandat a déjà pris fin."])
            if not member.mandate_start < ended_on <= member.mandate_end:
                raise CommissionError(
                    ["La fin anticipée doit tomber pendant le mandat (après son début)."],
                    fields={"ended_on": ["Date hors du mandat."]},
                )
            member.ended_on, member.end_reason = ended_on, reason
            member.save(update_fields=["ended_on", "end_reason"])
            audit(access, "commission.mandate_ended", "member", member.pk, reason=reason)
            if replacement is None:
                return None
            successor = member_designate(
                access=access,
                email=replacement.email,
                first_name=replacement.first_name,
                last_name=replacement.last_name,
                college=member.college,
                arrete_reference=replacement.arrete_reference,
                arrete_on=replacement.arrete_on,
                mandate_start=ended_on,
                titular_id=member.titular_id,
                association_id=member.association_id,
                is_chair=member.is_chair,
                mandate_end=member.mandate_end,
            )
            if member.is_titular:
                # The seat's substitutes stand in for whoever holds it.
                Member.objects.filter(titular=member, ended_on__isnull=True).update(
                    titular=successor
                )
            audit(access, "commission.member_replaced", "member", successor.pk, replaces=member.pk)
            return successor
    finally:
        connection.set_tenant(tenant)


def college_setting_save(
    *, access: Access, college: str, titular_seats: int, may_see_health: bool
) -> CollegeSetting:
    """Set how many titular members a college has here, and whether they may read health goals."""
    coordinator_only(access)
    if not NomenclatureItem.objects.filter(kind="college", code=college).exists():
        raise CommissionError(["Collège inconnu."], fields={"college": ["Collège inconnu."]})
    if not 0 <= titular_seats <= 10:
        raise CommissionError(
            ["Nombre de sièges entre 0 et 10."], fields={"titular_seats": ["Entre 0 et 10."]}
        )
    with transaction.atomic():
        setting, _ = CollegeSetting.objects.update_or_create(
            college=college,
            defaults={"titular_seats": titular_seats, "may_see_health": may_see_health},
        )
        audit(
            access,
            "commission.college_setting",
            "college",
            setting.pk,
            college=college,
            seats=titular_seats,
            may_see_health=may_see_health,
        )
        return setting


def member_arrete_attach(*, access: Access, member_id: int, data: bytes) -> Member:
    """Attach the PDF of the arrêté designating a member."""
    coordinator_only(access)
    with transaction.atomic():
        member = Member.objects.select_for_update().filter(pk=member_id).first()
        if member is None:
            raise NotInScope("Membre inconnu.")
        member.arrete_storage_name = store_pdf(data=data)
        member.save(update_fields=["arrete_storage_name"])
        audit(access, "commission.arrete_attached", "member", member.pk)
        return member
