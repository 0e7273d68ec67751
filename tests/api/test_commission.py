"""The commission through the API: the same rules, the documented error format."""

from __future__ import annotations

from django.utils import timezone

from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.commission.models import Session
from tests.tenants.commission.test_sessions import complete_file


def act(client, session_id, **data):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/commission/sessions/{session_id}/actions/", data, content_type="application/json"
    )


def test_a_session_through_the_api(in31, commission, session, login, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    dossier = complete_file(in31)
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")
    assert act(coordinator, session.pk, action="add_file", dossier=dossier.pk).status_code == 200
    too_soon = act(coordinator, session.pk, action="open")
    assert too_soon.status_code == 400 and too_soon.json()["error"]["code"] == "refused"
    assert act(coordinator, session.pk, action="convene").json()["status"] == "convened"
    connection.set_tenant(Tenant.objects.get(code="31"))
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now())
    type(dossier).objects.filter(pk=dossier.pk).update(session_on=timezone.localdate())
    connection.set_schema_to_public()
    t = commission.titulars
    for member in ("magistrat", "ddets", "police_securite_publique", "medecin"):
        assert (
            act(
                coordinator,
                session.pk,
                action="attendance",
                member=t[member].pk,
                presence="in_person",
            ).status_code
            == 200
        )
    second_proxy = act(
        coordinator,
        session.pk,
        action="attendance",
        member=t["gendarmerie"].pk,
        presence="absent",
        proxy_to=t["magistrat"].pk,
    )
    assert second_proxy.status_code == 200
    refused = act(
        coordinator,
        session.pk,
        action="attendance",
        member=t["associations"].pk,
        presence="absent",
        proxy_to=t["magistrat"].pk,
    )
    assert refused.status_code == 400 and "procuration" in refused.json()["error"]["message"]
    detail = act(coordinator, session.pk, action="open").json()
    assert detail["quorum"] == {
        "members": 8,
        "present": 4,
        "represented": 1,
        "needed": 4,
        "reached": True,
    }
    item = detail["agenda"][0]["id"]
    for member in ("magistrat", "gendarmerie", "ddets"):
        act(
            coordinator,
            session.pk,
            action="vote",
            item=item,
            member=t[member].pk,
            choice="favourable",
        )
    closed = act(coordinator, session.pk, action="close_item", item=item).json()
    assert closed["agenda"][0]["avis"] == "favourable" and closed["agenda"][0]["votes_for"] == 3
    assert act(coordinator, session.pk, action="close").json()["status"] == "closed"


def test_only_the_coordination_runs_sessions_and_members_only_see_theirs(
    in31, commission, session, login
) -> None:  # type: ignore[no-untyped-def]
    connection.set_schema_to_public()
    for role in ("prefet", "member", "association_worker", "dpo"):
        assert act(login(role, "31"), session.pk, action="convene").status_code in {403, 404}
    assert (
        login("member", "31").get(f"/api/v1/commission/sessions/{session.pk}/").status_code == 404
    )
    assert (
        login("coordinator", "75", on="31").get("/api/v1/commission/sessions/").status_code == 403
    )
    assert (
        login("prefet", "31").get(f"/api/v1/commission/sessions/{session.pk}/").status_code == 200
    )


def test_members_read_file_summaries_with_health_goals_only_if_their_college_may(
    in31, commission, session, login
) -> None:  # type: ignore[no-untyped-def]
    """The same summaries as the session page: pseudonym, request, goals, avis; never identity."""
    from parcours.accounts.models import User
    from tenants.casework.models import InsertionProject
    from tenants.commission.services import agenda_add_file, college_setting_save, member_appoint

    dossier = complete_file(in31)
    InsertionProject.objects.filter(dossier=dossier).update(
        goals={"logement": ["Accéder à un logement social"], "soins": ["Suivi en addictologie"]}
    )
    agenda_add_file(access=in31("coordinator"), session_id=session.pk, dossier_id=dossier.pk)
    member_appoint(
        access=in31("coordinator"),
        user_id=User.objects.get(email="member.31@test.parcours").pk,
        college="medecin",
        arrete_reference="A-3",
        arrete_on=timezone.localdate(),
        mandate_start=timezone.localdate(),
    )
    connection.set_schema_to_public()
    assert act(login("coordinator", "31"), session.pk, action="convene").status_code == 200
    member = login("member", "31")
    url = f"/api/v1/commission/sessions/{session.pk}/"

    before = member.get(url).json()["agenda"][0]
    connection.set_tenant(Tenant.objects.get(code="31"))
    college_setting_save(
        access=in31("coordinator"), college="medecin", titular_seats=1, may_see_health=True
    )
    connection.set_schema_to_public()
    after = member.get(url).json()["agenda"][0]

    assert before["dossier"] == dossier.pk and before["number"] == 1
    assert before["goals"] == {"logement": ["Accéder à un logement social"]}
    assert after["goals"]["soins"] == ["Suivi en addictologie"]
    assert before["association_avis"] and before["association_motivation"]
    assert "Testeuse" not in str(before) and "Amina" not in str(before)
