"""Issue #10, one API scenario per rule: the commission's avis is lawful on every path.

Each refusal is checked in the documented error format and for leaving nothing written."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone
from pypdf import PdfReader

from parcours.audit.models import AuditEvent
from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.casework.models import Dossier, DossierEvent
from tenants.commission.models import AgendaItem, Attendance, Member, Session, Vote
from tests.api.test_commission import act
from tests.tenants.commission.test_sessions import complete_file


def in_31() -> None:
    connection.set_tenant(Tenant.objects.get(code="31"))


def written() -> dict[str, Any]:
    """Everything a refused request could have left behind, in Haute-Garonne's schema."""
    in_31()
    state = {
        "dossiers": sorted(
            Dossier.objects.values_list(
                "pk", "state", "commission_avis", "commission_votes_for", "session_on"
            )
        ),
        "events": DossierEvent.objects.count(),
        "items": sorted(AgendaItem.objects.values_list("pk", "session_id", "avis", "closed_at")),
        "votes": Vote.objects.count(),
        "sessions": sorted(Session.objects.values_list("pk", "status", "carence_at")),
        "attendance": Attendance.objects.count(),
        "members": sorted(Member.objects.values_list("pk", "ended_on")),
        "audit": AuditEvent.objects.count(),
    }
    connection.set_schema_to_public()
    return state


def refused(response: Any, status: int = 400) -> str:
    assert response.status_code == status, response.content[:500]
    error = response.json()["error"]
    assert error["status"] == status and error["code"] and error["request_id"]
    return str(error["message"])


def held_today(in31, session, dossier=None) -> AgendaItem:  # type: ignore[no-untyped-def]
    """`session` convened with `dossier` (or a policy item) on its agenda, and opened today."""
    from tests.tenants.commission.test_sessions import opened

    in_31()
    item = opened(in31, session, dossier)
    connection.set_schema_to_public()
    return item


def attend(client, session, member, presence="in_person", proxy_to=None) -> Any:  # type: ignore[no-untyped-def]
    data = {"action": "attendance", "member": member.pk, "presence": presence}
    if proxy_to is not None:
        data["proxy_to"] = proxy_to.pk
    return act(client, session.pk, **data)


def vote(client, session, item, member, choice="favourable") -> Any:  # type: ignore[no-untyped-def]
    return act(client, session.pk, action="vote", item=item.pk, member=member.pk, choice=choice)


# 1. The avis outside any deliberation --------------------------------------------------------


def test_rule_1_the_avis_is_never_typed_onto_a_file(in31, commission, session, login) -> None:  # type: ignore[no-untyped-def]
    dossier = complete_file(in31)
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")
    assert act(coordinator, session.pk, action="add_file", dossier=dossier.pk).status_code == 200
    before = written()
    response = coordinator.post(
        f"/api/v1/dossiers/{dossier.pk}/transitions/record_commission_avis/",
        {"data": {"avis": "favourable", "votes_for": 99}},
        content_type="application/json",
    )
    assert "séance" in refused(response)
    assert written() == before
    in_31()
    assert Dossier.objects.get(pk=dossier.pk).state == "scheduled"


# 2. Scheduling takes a session, not a free date -------------------------------------------


def test_rule_2_a_file_is_scheduled_onto_a_session_and_taken_off_by_adjourning(
    in31, commission, session, login
) -> None:  # type: ignore[no-untyped-def]
    dossier = complete_file(in31)
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")
    before = written()
    response = coordinator.post(
        f"/api/v1/dossiers/{dossier.pk}/transitions/schedule/",
        {"data": {"session_on": "2026-12-08"}},
        content_type="application/json",
    )
    refused(response)
    assert written() == before

    detail = act(coordinator, session.pk, action="add_file", dossier=dossier.pk).json()
    assert [row["dossier"] for row in detail["agenda"]] == [dossier.pk]
    in_31()
    assert Dossier.objects.get(pk=dossier.pk).state == "scheduled"
    connection.set_schema_to_public()

    before = written()
    short = act(coordinator, session.pk, action="remove_file", dossier=dossier.pk, reason="")
    refused(short)
    assert written() == before
    detail = act(
        coordinator,
        session.pk,
        action="remove_file",
        dossier=dossier.pk,
        reason="Pièce à actualiser avant examen",
    ).json()
    assert detail["agenda"] == []
    in_31()
    assert Dossier.objects.get(pk=dossier.pk).state == "complete"  # back in the files to schedule


def test_rule_2_a_closed_session_takes_no_file(in31, commission, session, login) -> None:  # type: ignore[no-untyped-def]
    dossier = complete_file(in31)
    Session.objects.filter(pk=session.pk).update(status="closed")
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")
    before = written()
    refused(act(coordinator, session.pk, action="add_file", dossier=dossier.pk))
    assert written() == before


# 3. No avis without quorum, checked where the avis is made --------------------------------


def test_rule_3_an_item_is_not_closed_without_quorum(in31, commission, session, login) -> None:  # type: ignore[no-untyped-def]
    dossier = complete_file(in31)
    item = held_today(in31, session, dossier)
    coordinator = login("coordinator", "31")
    t = commission.titulars
    attend(coordinator, session, t["magistrat"])
    assert vote(coordinator, session, item, t["magistrat"]).status_code == 200
    before = written()
    assert "Quorum non atteint" in refused(
        act(coordinator, session.pk, action="close_item", item=item.pk)
    )
    assert written() == before
    in_31()
    assert Dossier.objects.get(pk=dossier.pk).state == "scheduled"


# 4. One seat, one vote ----------------------------------------------------------------------


def test_rule_4_a_substitute_votes_only_when_the_titular_is_absent(
    in31, commission, session, login
) -> None:  # type: ignore[no-untyped-def]
    item = held_today(in31, session)
    coordinator = login("coordinator", "31")
    t, substitute = commission.titulars, commission.substitute
    for member in (t["ddets"], substitute, t["magistrat"], t["medecin"], commission.chair):
        assert attend(coordinator, session, member).status_code == 200
    assert vote(coordinator, session, item, t["ddets"]).status_code == 200
    before = written()
    assert "suppléant" in refused(vote(coordinator, session, item, substitute))
    assert written() == before
    detail = act(coordinator, session.pk, action="close_item", item=item.pk).json()
    assert detail["agenda"][0]["votes_for"] == 1


def test_rule_4_a_seat_that_voted_through_its_substitute_does_not_vote_again(
    in31, commission, session, login
) -> None:  # type: ignore[no-untyped-def]
    item = held_today(in31, session)
    coordinator = login("coordinator", "31")
    t, substitute = commission.titulars, commission.substitute
    attend(coordinator, session, t["ddets"], "absent")
    attend(coordinator, session, substitute)
    assert vote(coordinator, session, item, substitute).status_code == 200
    attend(coordinator, session, t["ddets"])  # the titular arrives late
    before = written()
    assert "siège" in refused(vote(coordinator, session, item, t["ddets"], "unfavourable"))
    assert written() == before


# 5. A second convocation follows a recorded failure of quorum -----------------------------


def test_rule_5_only_a_session_that_met_without_quorum_is_convened_again(
    in31, commission, session, login
) -> None:  # type: ignore[no-untyped-def]
    dossier = complete_file(in31)
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")
    act(coordinator, session.pk, action="add_file", dossier=dossier.pk)
    act(coordinator, session.pk, action="convene")
    later = (timezone.now() + dt.timedelta(days=9)).isoformat()
    before = written()
    refused(act(coordinator, session.pk, action="reconvene", starts_at=later))  # never met
    assert written() == before

    in_31()
    from tests.tenants.commission.test_sessions import on_the_day

    on_the_day(session)
    connection.set_schema_to_public()
    act(coordinator, session.pk, action="open")
    t = commission.titulars
    for member in (t["magistrat"], t["ddets"], t["medecin"], commission.chair):
        attend(coordinator, session, member)
    before = written()
    assert "quorum est atteint" in refused(
        act(coordinator, session.pk, action="reconvene", starts_at=later)
    )
    assert written() == before

    attend(coordinator, session, t["medecin"], "absent")
    second = act(coordinator, session.pk, action="reconvene", starts_at=later).json()
    assert second["second_convocation"] and second["first_session"] == session.pk
    assert [row["dossier"] for row in second["agenda"]] == [dossier.pk]
    first = coordinator.get(f"/api/v1/commission/sessions/{session.pk}/").json()
    assert first["status"] == "closed" and first["carence_at"]
    minutes = coordinator.get(f"/api/v1/commission/sessions/{session.pk}/minutes.pdf")
    assert minutes.status_code == 200 and minutes["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(minutes.content)).pages)
    assert "Procès-verbal de carence" in text and "seconde convocation" in text
    before = written()
    refused(act(coordinator, second["id"], action="reconvene", starts_at=later))  # no third
    refused(act(coordinator, second["id"], action="add_policy", title="Un point de plus"))
    assert written() == before


# 6. The chair is a member composing the commission ----------------------------------------


def test_rule_6_the_chair_counts_among_members_and_among_those_present(
    in31, commission, session, login
) -> None:  # type: ignore[no-untyped-def]
    held_today(in31, session)
    coordinator = login("coordinator", "31")
    t = commission.titulars
    for member in (commission.chair, t["magistrat"], t["ddets"], t["medecin"]):
        attend(coordinator, session, member)
    quorum = coordinator.get(f"/api/v1/commission/sessions/{session.pk}/").json()["quorum"]
    # 8 titular seats, the chair's included: 4 needed, and the chair is one of the 4 present.
    assert quorum == {"members": 8, "present": 4, "represented": 0, "needed": 4, "reached": True}


# 7. Every date in the département's own zone ------------------------------------------------


def test_rule_7_convocations_and_pages_are_in_the_departements_zone(
    in31, commission, session, login, mailoutbox
) -> None:  # type: ignore[no-untyped-def]
    from tenants.commission.tasks import send_convocations

    in_31()
    evening = dt.datetime(2027, 1, 12, 19, 10, tzinfo=dt.UTC)  # 20:10 in Toulouse (UTC+1)
    Session.objects.filter(pk=session.pk).update(starts_at=evening)
    assert send_convocations(session_id=session.pk) > 0
    assert "12 janvier 2027 à 20 h 10" in mailoutbox[-1].subject
    connection.set_schema_to_public()
    page = login("coordinator", "31").get(f"/commission/seances/{session.pk}/").content.decode()
    assert "12 janvier 2027 à 20 h 10" in page and "19:10" not in page


def test_rule_7_each_overseas_departement_has_its_zone() -> None:
    from parcours.departements.models import zone_for

    evening = dt.datetime(2027, 1, 12, 19, 10, tzinfo=dt.UTC)
    hours = {
        code: evening.astimezone(zone_for(code)).strftime("%H:%M")
        for code in ("31", "2A", "971", "972", "973", "974", "976")
    }
    assert hours == {
        "31": "20:10",
        "2A": "20:10",
        "971": "15:10",
        "972": "15:10",
        "973": "16:10",
        "974": "23:10",
        "976": "22:10",
    }


# The API around the session ---------------------------------------------------------------


def test_a_member_is_appointed_with_the_account_created_in_the_same_request(
    in31, commission, login
) -> None:  # type: ignore[no-untyped-def]
    from parcours.accounts.models import User

    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")
    today = timezone.localdate().isoformat()
    seat = {"college": "gendarmerie", "arrete_reference": "A-31-9", "arrete_on": today}
    before = written()
    bad = coordinator.post(
        "/api/v1/commission/members/",
        {**seat, "college": "inconnu", "mandate_start": today, "email": "new@membres.test"},
        content_type="application/json",
    )
    refused(bad)
    assert written() == before and not User.objects.filter(email="new@membres.test").exists()
    created = coordinator.post(
        "/api/v1/commission/members/",
        {
            **seat,
            "mandate_start": today,
            "email": "New@Membres.test",
            "first_name": "Nora",
            "last_name": "Nouvelle",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert User.objects.get(email="new@membres.test").pk == created.json()["user"]


def test_a_mandate_ends_early_and_the_replacement_takes_the_seat(in31, commission, login) -> None:  # type: ignore[no-untyped-def]
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")
    ddets = commission.titulars["ddets"]
    url = f"/api/v1/commission/members/{ddets.pk}/end/"
    before = written()
    refused(
        coordinator.post(
            url,
            {"ended_on": "1999-01-01", "reason": "resignation"},
            content_type="application/json",
        )
    )
    assert written() == before
    today = timezone.localdate().isoformat()
    response = coordinator.post(
        url,
        {
            "ended_on": today,
            "reason": "change_of_post",
            "replacement": {
                "email": "relais@membres.test",
                "first_name": "Rémi",
                "last_name": "Relais",
                "arrete_reference": "A-31-10",
                "arrete_on": today,
            },
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ended"]["ended_on"] == today and body["ended"]["end_reason"] == "change_of_post"
    successor = body["replacement"]
    assert (
        successor["college"] == "ddets"
        and successor["mandate_end"] == ddets.mandate_end.isoformat()
    )
    in_31()
    assert Member.objects.get(pk=commission.substitute.pk).titular_id == successor["id"]
    members = {m["id"] for m in coordinator.get("/api/v1/commission/members/").json()}
    assert successor["id"] in members and ddets.pk not in members


def test_the_session_reads_attendance_and_who_took_part_in_each_vote(
    in31, commission, session, login
) -> None:  # type: ignore[no-untyped-def]
    item = held_today(in31, session)
    coordinator = login("coordinator", "31")
    t = commission.titulars
    for member in (commission.chair, t["magistrat"], t["medecin"]):
        attend(coordinator, session, member)
    attend(coordinator, session, t["ddets"], "absent", proxy_to=t["magistrat"])
    vote(coordinator, session, item, t["magistrat"])
    vote(coordinator, session, item, t["ddets"], "unfavourable")
    vote(coordinator, session, item, commission.chair)
    act(coordinator, session.pk, action="close_item", item=item.pk)
    detail = coordinator.get(f"/api/v1/commission/sessions/{session.pk}/").json()
    by_member = {a["member"]: a for a in detail["attendance"]}
    assert by_member[t["ddets"].pk] == {
        "member": t["ddets"].pk,
        "presence": "absent",
        "proxy_to": t["magistrat"].pk,
    }
    assert t["gendarmerie"].pk not in by_member  # not recorded
    votes = {v["member"]: v for v in detail["agenda"][0]["votes"]}
    assert votes[t["ddets"].pk]["cast_by"] == t["magistrat"].pk
    assert votes[t["ddets"].pk]["seat"] == t["ddets"].pk
    assert detail["agenda"][0]["quorum_counted"] == 4
    convocation = coordinator.get(f"/api/v1/commission/sessions/{session.pk}/convocation.pdf")
    assert convocation.status_code == 200 and convocation.content.startswith(b"%PDF")
    not_yet = coordinator.get(f"/api/v1/commission/sessions/{session.pk}/minutes.pdf")
    assert not_yet.status_code == 404  # minutes exist once the session is closed


def test_the_session_read_costs_the_same_queries_for_1_or_6_voters(
    in31, commission, session, login
) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    item = held_today(in31, session)
    coordinator = login("coordinator", "31")
    t = commission.titulars
    url = f"/api/v1/commission/sessions/{session.pk}/"

    def count() -> int:
        with CaptureQueriesContext(db) as queries:
            assert coordinator.get(url).status_code == 200
        return len(queries)

    attend(coordinator, session, commission.chair)
    vote(coordinator, session, item, commission.chair)
    one = count()
    for member in (t["magistrat"], t["medecin"], t["gendarmerie"], t["ddets"], t["medecin"]):
        attend(coordinator, session, member)
        vote(coordinator, session, item, member)
    assert count() == one


def test_the_minutes_say_who_did_not_take_part_and_why(in31, commission, session, login) -> None:  # type: ignore[no-untyped-def]
    from tenants.commission.selectors import session_minutes_context

    dossier = complete_file(in31)
    item = held_today(in31, session, dossier)
    coordinator = login("coordinator", "31")
    t = commission.titulars
    for member in (commission.chair, t["magistrat"], t["medecin"], t["associations"]):
        attend(coordinator, session, member)
    act(
        coordinator,
        session.pk,
        action="conflict",
        item=item.pk,
        member=t["medecin"].pk,
        reason="Médecin traitant de la personne",
    )
    vote(coordinator, session, item, t["magistrat"])
    vote(coordinator, session, item, commission.chair)
    act(coordinator, session.pk, action="close_item", item=item.pk)
    in_31()
    row = session_minutes_context(session=Session.objects.get(pk=session.pk))["items"][0]
    text = " ; ".join(row["not_taking_part"])
    assert "Medecin Membre (a déclaré un intérêt)" in text
    assert "Associations Membre (représente l'association qui a préparé le dossier)" in text
    assert "Gendarmerie Membre (présence non renseignée)" in text
    assert "Magistrat Membre" not in text and "Ddets Membre (présence" in text
