"""The attendance sheet and the vote sheet through the API: one request for every seat, one per
item, all or nothing, in the documented error format."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection as django_connection
from django.test.utils import CaptureQueriesContext

from parcours.db import connection
from tenants.commission.models import Attendance, Member, Vote
from tests.api.test_commission_rules import in_31, refused
from tests.tenants.commission.factories import seated_commission, session_of_the_day

SEATS = 19


@pytest.fixture
def nineteen(in31) -> list[Member]:  # type: ignore[no-untyped-def]
    return seated_commission(in31("coordinator"), seats=SEATS)


def _post(client: Any, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/commission/sessions/{path}", body, content_type="application/json")


def test_nineteen_seats_in_one_attendance_request_and_one_vote_request_per_item(  # type: ignore[no-untyped-def]
    in31, nineteen, login
) -> None:
    session = session_of_the_day(in31("coordinator"), items=2)
    items = list(session.items.order_by("position"))
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")
    rows: list[dict[str, Any]] = [{"member": m.pk, "presence": "in_person"} for m in nineteen]
    rows[-1] = {"member": nineteen[-1].pk, "presence": "absent", "proxy_to": nineteen[0].pk}
    with CaptureQueriesContext(django_connection) as queries:
        answer = _post(coordinator, f"{session.pk}/attendance/", {"rows": rows})
    assert answer.status_code == 200, answer.content[:500]
    assert answer.json()["quorum"] == {
        "members": SEATS,
        "present": SEATS - 1,
        "represented": 1,
        "needed": 10,
        "reached": True,
    }
    assert len(queries) <= 45, len(queries)  # the sheet and the session's detail, not per seat
    for item in items:
        votes = [{"member": m.pk, "choice": "unfavourable"} for m in nineteen]
        with CaptureQueriesContext(django_connection) as queries:
            answer = _post(coordinator, f"{session.pk}/items/{item.pk}/votes/", {"rows": votes})
        assert answer.status_code == 200, answer.content[:500]
        assert len(queries) <= 50, len(queries)
        [row] = [r for r in answer.json()["agenda"] if r["id"] == item.pk]
        assert len(row["votes"]) == SEATS
    in_31()
    assert Attendance.objects.filter(session=session).count() == SEATS
    assert Vote.objects.filter(item__session=session).count() == 2 * SEATS


def test_a_refused_line_is_a_400_naming_it_and_nothing_is_written(in31, nineteen, login) -> None:  # type: ignore[no-untyped-def]
    session = session_of_the_day(in31("coordinator"))
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")
    rows = [{"member": m.pk, "presence": "in_person"} for m in nineteen]
    rows.append({"member": 999_999, "presence": "in_person"})
    answer = _post(coordinator, f"{session.pk}/attendance/", {"rows": rows})
    message = refused(answer)
    assert message.startswith("Ligne 20 (membre inconnu)"), message
    assert answer.json()["error"]["fields"]["rows"] == [message]
    # Off-schema lines are the serializer's, with their position.
    answer = _post(coordinator, f"{session.pk}/attendance/", {"rows": [{"member": 1}]})
    assert "presence" in answer.json()["error"]["fields"]["rows"]["0"]
    in_31()
    assert not Attendance.objects.filter(session=session).exists()


def test_an_item_of_another_session_is_a_404(in31, nineteen, login) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    session = session_of_the_day(coordinator)
    other = session_of_the_day(coordinator)
    item = other.items.first()
    assert item is not None
    connection.set_schema_to_public()
    answer = _post(
        login("coordinator", "31"),
        f"{session.pk}/items/{item.pk}/votes/",
        {"rows": [{"member": nineteen[0].pk, "choice": "favourable"}]},
    )
    assert answer.status_code == 404


@pytest.mark.parametrize("role", ["prefet", "member", "association_worker", "dpo"])
def test_only_the_coordination_records_a_sheet(in31, nineteen, login, role) -> None:  # type: ignore[no-untyped-def]
    session = session_of_the_day(in31("coordinator"))
    item = session.items.first()
    assert item is not None
    connection.set_schema_to_public()
    client = login(role, "31")
    rows = [{"member": nineteen[0].pk, "presence": "in_person"}]
    assert _post(client, f"{session.pk}/attendance/", {"rows": rows}).status_code == 403
    votes = [{"member": nineteen[0].pk, "choice": "favourable"}]
    answer = _post(client, f"{session.pk}/items/{item.pk}/votes/", {"rows": votes})
    assert answer.status_code == 403
    in_31()
    assert not Attendance.objects.filter(session=session).exists()
