"""A session of 19 seats run in Chromium: the attendance in one submit, the votes of an item in
one submit, the page coming back to the section just recorded."""

from __future__ import annotations

from typing import Any

from tests.conftest import People
from tests.test_browser import ARTIFACTS, _sign_in, _url, page, pytestmark  # noqa: F401

SEATS = 19


def test_nineteen_seats_attendance_in_one_submit_and_votes_in_one_submit(
    page: Any,  # noqa: F811 (the fixture)
    live_server: Any,
) -> None:
    from parcours.db import connection
    from parcours.departements.models import Tenant
    from tenants.commission.models import Attendance, Vote
    from tests.tenants.casework.conftest import access_as
    from tests.tenants.commission.factories import seated_commission, session_of_the_day

    connection.set_tenant(Tenant.objects.get(code="31"))
    coordinator = access_as("coordinator", "31")
    members = seated_commission(coordinator, seats=SEATS)
    session = session_of_the_day(coordinator, items=2)
    names = ["Membre " + str(n) for n in range(1, SEATS + 1)]
    connection.set_schema_to_public()
    url = _url(live_server, "31", f"/commission/seances/{session.pk}/")

    _sign_in(page, _url(live_server, "31", "/connexion/"), People.email("coordinator", "31"))
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(url)
    for name in names[:-1]:
        page.get_by_label(f"Présence de {name}", exact=True).select_option("in_person")
    page.get_by_label(f"Présence de {names[-1]}", exact=True).select_option("absent")
    page.get_by_label(f"Procuration de {names[-1]}", exact=True).select_option(str(members[0].pk))
    page.get_by_role("button", name="Enregistrer les présences").click()
    page.wait_for_url(f"{url}#presences")
    assert "Présences enregistrées." in page.content()
    # The page kept its place: the attendance section is on screen, not the top of the page.
    assert page.evaluate("window.scrollY") > 0
    assert "atteint" in page.locator("#quorum").inner_text().lower()

    votes = page.locator("[data-testid=votes-1]")
    for select in votes.locator("select").all():
        select.select_option("favourable")
    votes.get_by_role("button", name="Enregistrer les votes").click()
    page.wait_for_url(f"{url}#point-1")
    assert "Votes enregistrés." in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "session-19-seats.png"), full_page=False)

    connection.set_tenant(Tenant.objects.get(code="31"))
    try:
        assert Attendance.objects.filter(session=session).count() == SEATS
        assert Vote.objects.filter(item__session=session, item__position=1).count() == SEATS
    finally:
        connection.set_schema_to_public()
