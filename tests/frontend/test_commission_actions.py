"""The live session page's actions: the same command table as the API, so the same refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.commission.models import ConflictOfInterest, Session, Vote
from tenants.commission.services import session_schedule
from tests.tenants.commission.test_sessions import attend, opened


def _in_31() -> None:
    connection.set_tenant(Tenant.objects.get(code="31"))


def post(client, session_id, **data):  # type: ignore[no-untyped-def]
    return client.post(f"/commission/seances/{session_id}/actions/", data)


@pytest.mark.parametrize(
    "action, extra",
    [("vote", {"choice": "favourable"}), ("conflict", {"reason": "Intérêt"}), ("close_item", {})],
)
def test_an_item_of_another_session_is_a_404_and_nothing_is_recorded(
    in31, commission, session, login, action, extra
) -> None:  # type: ignore[no-untyped-def]
    item = opened(in31, session)
    other = session_schedule(
        access=in31("coordinator"), starts_at=timezone.now() + dt.timedelta(days=12)
    )
    opened(in31, other)
    member = commission.titulars["magistrat"]
    attend(in31, session, member)
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")
    data = {"action": action, "item": item.pk, "member": member.pk, **extra}
    assert post(coordinator, other.pk, **data).status_code == 404
    _in_31()
    item.refresh_from_db()
    assert not Vote.objects.exists() and not ConflictOfInterest.objects.exists()
    assert item.closed_at is None
    connection.set_schema_to_public()
    # The same action on the item's own session reaches it.
    assert post(coordinator, session.pk, **data).status_code == 302


def test_a_second_convocation_in_year_9999_is_refused(in31, commission, session, login) -> None:  # type: ignore[no-untyped-def]
    opened(in31, session)
    attend(in31, session, commission.titulars["magistrat"])
    before = Session.objects.count()
    connection.set_schema_to_public()
    response = post(
        login("coordinator", "31"), session.pk, action="reconvene", starts_at="9999-12-31T10:00"
    )
    assert response.status_code == 302
    _in_31()
    assert Session.objects.count() == before
    assert not Session.objects.filter(starts_at__year=9999).exists()


def test_a_conflict_for_an_unknown_member_is_a_message_not_a_500(
    in31, commission, session, login
) -> None:  # type: ignore[no-untyped-def]
    item = opened(in31, session)
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")
    response = post(
        coordinator, session.pk, action="conflict", item=item.pk, member="999999", reason="Intérêt"
    )
    assert response.status_code == 302
    page = coordinator.get(response["Location"]).content.decode()
    assert "déclarer" in page
    _in_31()
    assert not ConflictOfInterest.objects.exists()
