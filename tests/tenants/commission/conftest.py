"""A commission of seven titular members, one substitute and a chair, in Haute-Garonne."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from parcours.accounts.models import User
from parcours.associations.models import Association
from tenants.commission.models import Member, Session
from tenants.commission.services import member_appoint, session_schedule

COLLEGES = [
    "magistrat",
    "ddets",
    "police_securite_publique",
    "gendarmerie",
    "medecin",
    "associations",
    "protection_enfance",
]


@dataclass
class Commission:
    chair: Member
    titulars: dict[str, Member]
    substitute: Member  # of the DDETS titular


@pytest.fixture
def commission(in31) -> Commission:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    start = timezone.localdate() - dt.timedelta(days=30)

    def appoint(college: str, *, titular: Member | None = None, chair: bool = False) -> Member:
        user = User.objects.create_user(
            email=f"{college}{'-sup' if titular else ''}{'-chair' if chair else ''}@membres.test",
            password=None,
            first_name=college.title(),
            last_name="Membre",
        )
        association = (
            Association.objects.get(rna="W313000099") if college == "associations" else None
        )
        return member_appoint(
            access=coordinator,
            user_id=user.pk,
            college=college,
            arrete_reference="Arrêté 31-2026-01",
            arrete_on=start,
            mandate_start=start,
            titular_id=titular.pk if titular else None,
            association_id=association.pk if association else None,
            is_chair=chair,
        )

    chair = appoint("ddets", chair=True)
    titulars = {college: appoint(college) for college in COLLEGES}
    substitute = appoint("ddets", titular=titulars["ddets"])
    return Commission(chair=chair, titulars=titulars, substitute=substitute)


@pytest.fixture
def session(in31, commission) -> Session:  # type: ignore[no-untyped-def]
    return session_schedule(
        access=in31("coordinator"),
        starts_at=timezone.now() + dt.timedelta(days=10),
        place="Préfecture, salle 3",
    )
