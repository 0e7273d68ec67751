"""The session actions through the API: the same command table as the page, so the same
refusals (tenants/commission/commands.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from parcours.db import connection
from tenants.commission.models import ConflictOfInterest, Session
from tests.api.test_commission import act
from tests.api.test_commission_rules import held_today, in_31, refused


def test_a_conflict_for_an_unknown_member_is_refused_not_a_500(
    in31, commission, session, login
) -> None:  # type: ignore[no-untyped-def]
    item = held_today(in31, session)
    coordinator = login("coordinator", "31")
    response = act(
        coordinator, session.pk, action="conflict", item=item.pk, member=999_999, reason="Intérêt"
    )
    assert "déclarer" in refused(response)
    in_31()
    assert not ConflictOfInterest.objects.exists()


@pytest.mark.parametrize("starts_at", ["9999-12-31T10:00:00+01:00", "1899-12-31T10:00:00+01:00"])
def test_a_second_convocation_out_of_range_is_refused(
    in31, commission, session, login, starts_at
) -> None:  # type: ignore[no-untyped-def]
    held_today(in31, session)
    coordinator = login("coordinator", "31")
    in_31()
    before = Session.objects.count()
    connection.set_schema_to_public()
    refused(act(coordinator, session.pk, action="reconvene", starts_at=starts_at))
    in_31()
    assert Session.objects.count() == before


def test_a_boolean_is_not_an_item_id(in31, commission, session, login) -> None:  # type: ignore[no-untyped-def]
    held_today(in31, session)
    response = act(login("coordinator", "31"), session.pk, action="close_item", item=True)
    assert response.status_code == 400, response.content[:300]


def test_the_members_schema_lists_the_blank_end_reason(in31, commission, login) -> None:  # type: ignore[no-untyped-def]
    """A member in mandate is returned with `end_reason: ""`: the schema's enum must allow it."""
    from drf_spectacular.generators import SchemaGenerator

    members = login("coordinator", "31").get("/api/v1/commission/members/").json()
    assert members and {m["end_reason"] for m in members} == {""}
    schema = SchemaGenerator(urlconf="routes.tenant").get_schema(request=None, public=True)
    field = schema["components"]["schemas"]["Member"]["properties"]["end_reason"]
    allowed: set[str] = set()
    for option in [field, *field.get("oneOf", []), *field.get("allOf", [])]:
        ref = option.get("$ref", "")
        target = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else option
        allowed |= set(target.get("enum", []))
    assert "" in allowed and "resignation" in allowed


def test_attendance_on_a_session_only_planned_is_refused(in31, commission, session, login) -> None:  # type: ignore[no-untyped-def]
    member = commission.titulars["magistrat"]
    connection.set_schema_to_public()
    response = act(
        login("coordinator", "31"),
        session.pk,
        action="attendance",
        member=member.pk,
        presence="in_person",
    )
    assert "convoquée" in refused(response)
    in_31()
    assert not session.attendances.exists()


def test_a_session_is_not_opened_hours_ahead(in31, commission, session, login) -> None:  # type: ignore[no-untyped-def]
    from tenants.commission.services import agenda_add_policy, session_convene

    coordinator = in31("coordinator")
    agenda_add_policy(access=coordinator, session_id=session.pk, title="Point d'information")
    session_convene(access=coordinator, session_id=session.pk)
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() + dt.timedelta(hours=3))
    connection.set_schema_to_public()
    assert "heure" in refused(act(login("coordinator", "31"), session.pk, action="open"))
