"""The commission's pages: the coordination runs a session; members read pseudonymized summaries."""

from __future__ import annotations

import html

import pytest
from django.utils import timezone

from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.commission.models import Presence, Session
from tests.tenants.commission.test_sessions import attend, complete_file


@pytest.fixture
def ready(in31, commission, session, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    dossier = complete_file(in31)
    connection.set_schema_to_public()
    return dossier, session, commission


def post(client, session, **data):  # type: ignore[no-untyped-def]
    return client.post(f"/commission/seances/{session.pk}/actions/", data)


def test_a_full_session_through_the_pages(ready, login, in31) -> None:  # type: ignore[no-untyped-def]
    dossier, session, commission = ready
    coordinator = login("coordinator", "31")
    assert post(coordinator, session, action="add_file", dossier=dossier.pk).status_code == 302
    post(coordinator, session, action="convene")
    connection.set_tenant(Tenant.objects.get(code="31"))
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now())
    type(dossier).objects.filter(pk=dossier.pk).update(session_on=timezone.localdate())
    t = commission.titulars
    for member in (t["magistrat"], t["ddets"], t["police_securite_publique"], t["medecin"]):
        attend(in31, session, member, Presence.IN_PERSON)
    item = session.items.get()
    connection.set_schema_to_public()
    post(coordinator, session, action="open")
    for member, choice in (
        (t["magistrat"], "favourable"),
        (t["ddets"], "favourable"),
        (t["medecin"], "unfavourable"),
    ):
        post(coordinator, session, action="vote", item=item.pk, member=member.pk, choice=choice)
    page = html.unescape(coordinator.get(f"/commission/seances/{session.pk}/").content.decode())
    assert "atteint" in page and "Quorum" in page
    post(coordinator, session, action="close_item", item=item.pk)
    post(coordinator, session, action="close")
    minutes = coordinator.get(f"/commission/seances/{session.pk}/proces-verbal/")
    assert minutes.status_code == 200 and minutes.content.startswith(b"%PDF")
    connection.set_tenant(Tenant.objects.get(code="31"))
    dossier.refresh_from_db()
    assert (dossier.state, dossier.commission_avis, dossier.commission_votes_for) == (
        "avis_given",
        "favourable",
        2,
    )


def test_a_member_reads_the_sessions_convened_to_during_the_mandate_even_after_closing(
    ready, login, in31
) -> None:  # type: ignore[no-untyped-def]
    dossier, session, _ = ready
    coordinator = login("coordinator", "31")
    post(coordinator, session, action="add_file", dossier=dossier.pk)
    post(coordinator, session, action="convene")
    member = login("member", "31")
    from parcours.accounts.models import User
    from tenants.commission.services import member_appoint

    connection.set_tenant(Tenant.objects.get(code="31"))
    base_member = User.objects.get(email="member.31@test.parcours")
    member_appoint(
        access=in31("coordinator"),
        user_id=base_member.pk,
        college="gendarmerie",
        arrete_reference="A-2",
        arrete_on=timezone.localdate(),
        mandate_start=timezone.localdate(),
    )
    connection.set_schema_to_public()
    page = html.unescape(member.get(f"/commission/seances/{session.pk}/").content.decode())
    assert dossier.person.pseudonym in page
    assert "Amina" not in page and "Testeuse" not in page  # never the identity
    assert "Voter" not in page  # the coordination records the votes
    connection.set_tenant(Tenant.objects.get(code="31"))
    Session.objects.filter(pk=session.pk).update(status="closed")
    connection.set_schema_to_public()
    assert member.get(f"/commission/seances/{session.pk}/").status_code == 200
    minutes = member.get(f"/commission/seances/{session.pk}/proces-verbal/")
    assert minutes.status_code == 200 and minutes.content.startswith(b"%PDF")
    connection.set_tenant(Tenant.objects.get(code="31"))
    # A mandate ended (resignation) before the convocation: that member was never convened.
    from tenants.commission.models import Member

    Member.objects.filter(user=base_member).update(ended_on=timezone.localdate())
    connection.set_schema_to_public()
    assert member.get(f"/commission/seances/{session.pk}/").status_code == 404


def test_convening_too_late_is_explained(ready, login) -> None:  # type: ignore[no-untyped-def]
    dossier, session, _ = ready
    coordinator = login("coordinator", "31")
    post(coordinator, session, action="add_file", dossier=dossier.pk)
    connection.set_tenant(Tenant.objects.get(code="31"))
    Session.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() + timezone.timedelta(days=2)
    )
    connection.set_schema_to_public()
    response = coordinator.post(
        f"/commission/seances/{session.pk}/actions/", {"action": "convene"}, follow=True
    )
    assert "5 jours" in html.unescape(response.content.decode())


def test_members_page_lists_mandates_and_refuses_bad_input(ready, login) -> None:  # type: ignore[no-untyped-def]
    coordinator = login("coordinator", "31")
    page = html.unescape(coordinator.get("/commission/membres/").content.decode())
    assert "Arrêté 31-2026-01" in page
    response = coordinator.post(
        "/commission/membres/",
        {
            "email": "x@y.fr",
            "first_name": "A",
            "last_name": "B",
            "college": "magistrat",
            "arrete_reference": "A-9",
            "arrete_on": "2026-05-01",
            "mandate_start": "2026-01-01",
        },
    )
    assert response.status_code == 400
    assert "Le mandat ne peut pas commencer avant l'arrêté." in html.unescape(
        response.content.decode()
    )
    assert login("association_worker", "31").get("/commission/membres/").status_code == 403


# 19: the screen's reads plus the 3 statements of the audit event that its agenda read writes.
def test_the_session_screen_costs_the_same_queries_for_1_or_4_files(
    ready, login, in31, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    dossier, session, _ = ready
    coordinator = login("coordinator", "31")
    post(coordinator, session, action="add_file", dossier=dossier.pk)
    url = f"/commission/seances/{session.pk}/"
    coordinator.get(url)
    # 20: the planned session's screen reads the legal notice period, to say when it is short.
    with django_assert_max_num_queries(20):
        assert coordinator.get(url).status_code == 200
    for _ in range(3):
        extra = complete_file(in31)
        connection.set_schema_to_public()
        post(coordinator, session, action="add_file", dossier=extra.pk)
    with django_assert_max_num_queries(20):
        assert coordinator.get(url).status_code == 200


def test_reading_an_agenda_with_files_is_audited(ready, login, in31) -> None:  # type: ignore[no-untyped-def]
    from parcours.audit.models import AuditEvent

    dossier, session, _ = ready
    coordinator = login("coordinator", "31")
    post(coordinator, session, action="add_file", dossier=dossier.pk)
    coordinator.get(f"/commission/seances/{session.pk}/")
    login("prefet", "31").get(f"/api/v1/commission/sessions/{session.pk}/")
    connection.set_tenant(Tenant.objects.get(code="31"))
    reads = AuditEvent.objects.filter(action="commission.agenda_read", object_id=str(session.pk))
    assert reads.count() == 2
    assert all(event.data["dossiers"] == [dossier.pk] for event in reads)


def test_a_file_is_scheduled_from_its_page_onto_a_session_chosen_in_a_list(
    ready, login, in31
) -> None:  # type: ignore[no-untyped-def]
    dossier, session, _ = ready
    coordinator = login("coordinator", "31")
    url = f"/dossiers/{dossier.pk}/"
    page = html.unescape(coordinator.get(url).content.decode())
    assert str(session.pk) in page and "Inscrire à l'ordre du jour" in page
    assert 'data-transition="schedule"' not in page  # no free date any more
    refused = coordinator.post(f"/commission/inscrire/{dossier.pk}/", {"session": "999999"})
    assert refused.status_code == 302
    connection.set_tenant(Tenant.objects.get(code="31"))
    assert type(dossier).objects.get(pk=dossier.pk).state == "complete"
    connection.set_schema_to_public()
    coordinator.post(f"/commission/inscrire/{dossier.pk}/", {"session": str(session.pk)})
    connection.set_tenant(Tenant.objects.get(code="31"))
    assert type(dossier).objects.get(pk=dossier.pk).state == "scheduled"
    assert list(session.items.values_list("dossier_id", flat=True)) == [dossier.pk]
    connection.set_schema_to_public()
    session_page = html.unescape(
        coordinator.get(f"/commission/seances/{session.pk}/").content.decode()
    )
    assert dossier.person.pseudonym in session_page
    assert "Non renseigné" in session_page  # attendance starts not recorded
    post(coordinator, session, action="remove_file", dossier=dossier.pk, reason="Pièce à revoir")
    connection.set_tenant(Tenant.objects.get(code="31"))
    assert type(dossier).objects.get(pk=dossier.pk).state == "complete"
    assert not session.items.exists()


def test_a_member_whose_mandate_ended_no_longer_sees_any_session(ready, login, in31) -> None:  # type: ignore[no-untyped-def]
    """Convened while in mandate, then resigned: the summaries of the files are no longer theirs."""
    from parcours.accounts.models import User
    from tenants.commission.models import Member
    from tenants.commission.services import member_appoint

    dossier, session, _ = ready
    coordinator = login("coordinator", "31")
    post(coordinator, session, action="add_file", dossier=dossier.pk)
    post(coordinator, session, action="convene")
    connection.set_tenant(Tenant.objects.get(code="31"))
    user = User.objects.get(email="member.31@test.parcours")
    member_appoint(
        access=in31("coordinator"),
        user_id=user.pk,
        college="gendarmerie",
        arrete_reference="A-3",
        arrete_on=timezone.localdate() - timezone.timedelta(days=30),
        mandate_start=timezone.localdate() - timezone.timedelta(days=30),
    )
    Session.objects.filter(pk=session.pk).update(
        convened_at=timezone.now() - timezone.timedelta(days=10)
    )
    connection.set_schema_to_public()
    member = login("member", "31")
    assert member.get(f"/commission/seances/{session.pk}/").status_code == 200
    connection.set_tenant(Tenant.objects.get(code="31"))
    Member.objects.filter(user=user).update(
        ended_on=timezone.localdate() - timezone.timedelta(days=1)
    )
    connection.set_schema_to_public()
    assert member.get(f"/commission/seances/{session.pk}/").status_code == 404
    listed = member.get("/api/v1/commission/sessions/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows == []
