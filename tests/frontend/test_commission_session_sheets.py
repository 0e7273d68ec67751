"""The live session page in a few clicks: one attendance submit for every seat, one vote submit
per item, the page coming back to the section just recorded, and only the actions the session's
state allows offered."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection as django_connection
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.commission.models import Attendance, Member, Session, Vote
from tenants.commission.services import agenda_add_policy, session_close, session_schedule
from tenants.commission.sessions import AttendanceRow, attendance_record_sheet
from tests.tenants.commission.factories import seated_commission, session_of_the_day
from tests.tenants.commission.test_sheets import MEMBERS, _check, _resolve, _state, line, vote_line

SEATS = 19


def _in_31() -> None:
    connection.set_tenant(Tenant.objects.get(code="31"))


def _form(page: str, testid: str) -> dict[str, str]:
    """The fields of one form of the page, as the browser would post them untouched."""
    match = re.search(rf'<form[^>]*data-testid="{testid}".*?</form>', page, re.S)
    assert match, f"no form {testid}"
    form = match.group(0)
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    for name in re.findall(r'<select class="fr-select" name="([^"]+)"', form):
        data[name] = ""
    return data


def _url(session: Session) -> str:
    return f"/commission/seances/{session.pk}/"


@pytest.fixture
def nineteen(in31) -> list[Member]:  # type: ignore[no-untyped-def]
    return seated_commission(in31("coordinator"), seats=SEATS)


def test_nineteen_seats_take_one_attendance_submit_and_one_vote_submit_per_item(  # type: ignore[no-untyped-def]
    in31, nineteen, login
) -> None:
    session = session_of_the_day(in31("coordinator"), items=2)
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")

    page = coordinator.get(_url(session)).content.decode()
    sheet = _form(page, "attendance-sheet")
    assert len([k for k in sheet if k.endswith("-presence")]) == SEATS
    # Everyone in person, but the last two absent with a proxy to the first two.
    line = {int(v): k.split("-")[1] for k, v in sheet.items() if k.endswith("-member")}
    assert set(line) == {m.pk for m in nineteen}
    for n in line.values():
        sheet[f"rows-{n}-presence"] = "in_person"
    for absent, holder in ((nineteen[17], nineteen[0]), (nineteen[18], nineteen[1])):
        sheet[f"rows-{line[absent.pk]}-presence"] = "absent"
        sheet[f"rows-{line[absent.pk]}-proxy_to"] = str(holder.pk)
    with CaptureQueriesContext(django_connection) as queries:
        answer = coordinator.post(f"{_url(session)}actions/", sheet)
    assert answer.status_code == 302
    assert answer["Location"] == f"{_url(session)}#presences"
    # One submit, a bounded number of queries (sign-in checks included): none per seat.
    assert len(queries) <= 20, len(queries)
    _in_31()
    assert Attendance.objects.filter(session=session).count() == SEATS
    connection.set_schema_to_public()

    for position in (1, 2):
        with CaptureQueriesContext(django_connection) as queries:
            page = coordinator.get(_url(session)).content.decode()
        assert len(queries) <= 16, len(queries)
        votes = _form(page, f"votes-{position}")
        choices = [k for k in votes if k.endswith("-choice")]
        assert len(choices) == SEATS  # the two proxies are cast by their holders
        assert "par procuration, voté par Membre 1" in page
        for key in choices:
            votes[key] = "favourable"
        with CaptureQueriesContext(django_connection) as queries:
            answer = coordinator.post(f"{_url(session)}actions/", votes)
        assert answer["Location"] == f"{_url(session)}#point-{position}"
        assert len(queries) <= 25, len(queries)
        followed = coordinator.get(answer["Location"]).content.decode()
        assert "Votes enregistrés." in followed
        _in_31()
        item = session.items.get(position=position)
        assert Vote.objects.filter(item=item).count() == SEATS
        connection.set_schema_to_public()
        answer = coordinator.post(
            f"{_url(session)}actions/", {"action": "close_item", "item": item.pk}
        )
        assert answer["Location"] == f"{_url(session)}#point-{position}"
        _in_31()
        item.refresh_from_db()
        assert item.avis == "favourable" and item.votes_for == SEATS
        connection.set_schema_to_public()


def test_a_bad_line_writes_nothing_and_the_message_names_it(in31, nineteen, login) -> None:  # type: ignore[no-untyped-def]
    session = session_of_the_day(in31("coordinator"))
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")
    sheet = _form(coordinator.get(_url(session)).content.decode(), "attendance-sheet")
    for n in range(SEATS):
        sheet[f"rows-{n}-presence"] = "in_person"
    # Line 5 gives a proxy to line 6, who is absent too.
    sheet["rows-4-presence"] = sheet["rows-5-presence"] = "absent"
    sheet["rows-4-proxy_to"] = sheet["rows-5-member"]
    answer = coordinator.post(f"{_url(session)}actions/", sheet)
    # Back to the sheet, its refusal beside it (frontend/form_errors.py).
    assert answer.status_code == 302
    assert answer["Location"] == f"{_url(session)}#feuille-presences-error"
    page = coordinator.get(answer["Location"]).content.decode()
    assert "Ligne 5 (Membre " in page and "la procuration se donne à un membre présent" in page
    assert 'id="feuille-presences-error"' in page
    _in_31()
    assert not Attendance.objects.filter(session=session).exists()


def _page(login: Any, session: Session) -> str:
    connection.set_schema_to_public()
    page = login("coordinator", "31").get(_url(session)).content.decode()
    _in_31()
    return str(page)


def test_only_what_the_state_allows_is_offered(in31, nineteen, login) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    # Convened for the day after tomorrow: attendance may be taken, but no opening yet.
    early = session_of_the_day(coordinator, opened=False)
    Session.objects.filter(pk=early.pk).update(starts_at=timezone.now() + dt.timedelta(days=2))
    page = _page(login, early)
    assert "Ouvrir la séance" not in page and "s'ouvrira le" in page
    assert 'data-testid="attendance-sheet"' in page
    # On its day: the opening is offered.
    Session.objects.filter(pk=early.pk).update(starts_at=timezone.now())
    assert "Ouvrir la séance" in _page(login, early)
    # Closed: nothing editable, no presence select, the attendance read only.
    closed = session_of_the_day(coordinator)
    attendance_record_sheet(
        access=coordinator,
        session_id=closed.pk,
        rows=[
            AttendanceRow(member_id=nineteen[0].pk, presence="in_person"),
            AttendanceRow(member_id=nineteen[1].pk, presence="absent", proxy_to_id=nineteen[0].pk),
        ],
    )
    session_close(access=coordinator, session_id=closed.pk)
    page = _page(login, closed)
    assert "Absent, procuration à Membre 1" in page
    assert "-presence" not in page and "<select" not in page
    assert "Ouvrir la séance" not in page and "Enregistrer" not in page
    assert "(séance close)" in page


def test_a_short_notice_is_explained_with_the_motivation_field_beside(  # type: ignore[no-untyped-def]
    in31, nineteen, login
) -> None:
    coordinator = in31("coordinator")
    soon = session_schedule(access=coordinator, starts_at=timezone.now() + dt.timedelta(days=3))
    agenda_add_policy(access=coordinator, session_id=soon.pk, title="Point d'information")
    page = _page(login, soon)
    assert "Délai de convocation trop court : 3 jours au lieu de 5" in page
    assert 'name="urgent_reason"' in page and "required" in page
    later = session_schedule(access=coordinator, starts_at=timezone.now() + dt.timedelta(days=9))
    page = _page(login, later)
    assert "trop court" not in page and 'name="urgent_reason"' not in page
    assert "Convoquer les membres" in page


class _Rollback(Exception):
    pass


@pytest.fixture
def six_seats_open(in31) -> tuple[list[Member], Session]:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    members = seated_commission(coordinator, seats=MEMBERS)
    return members, session_of_the_day(coordinator)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(line, max_size=6), votes=st.lists(vote_line, max_size=6), api=st.booleans())
def test_hostile_sheets_over_http_are_never_a_500_and_never_half_written(  # type: ignore[no-untyped-def]
    six_seats_open, login, rows, votes, api
) -> None:
    """The page's form and the API's JSON, with unknown members, proxies to the absent, duplicate
    lines, chains and junk: an answer or a refusal, never a 500; a refusal writes nothing."""
    members, session = six_seats_open
    item = session.items.order_by("position").first()
    assert item is not None
    connection.set_schema_to_public()
    client = login("coordinator", "31")
    try:
        with transaction.atomic():
            for lines, action in [(rows, "attendance_sheet"), (votes, "votes")]:
                resolved = [{k: _resolve(v, members) for k, v in r.items()} for r in lines]
                _in_31()
                before = _state(session)
                connection.set_schema_to_public()
                if api:
                    path = (
                        f"/api/v1/commission/sessions/{session.pk}/attendance/"
                        if action == "attendance_sheet"
                        else f"/api/v1/commission/sessions/{session.pk}/items/{item.pk}/votes/"
                    )
                    answer = client.post(path, {"rows": resolved}, content_type="application/json")
                    assert answer.status_code in (200, 400), answer.content[:300]
                    refused = answer.status_code == 400
                else:
                    data = {"action": action, "item": str(item.pk)}
                    for n, r in enumerate(resolved):
                        for k, v in r.items():
                            data[f"rows-{n}-{k}"] = "" if v is None else str(v)
                    answer = client.post(f"{_url(session)}actions/", data)
                    assert answer.status_code == 302, answer.content[:300]
                    refused = "#" not in answer["Location"]
                _in_31()
                if refused:
                    assert _state(session) == before
                _check(session)
                connection.set_schema_to_public()
            raise _Rollback
    except _Rollback:
        pass
    _in_31()
