"""The département sets its colleges' seats and who may read health goals; mandates are reminded."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.utils import timezone

from parcours.accounts.models import User
from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.commission.models import Member
from tenants.commission.selectors import composition, may_see_health
from tenants.commission.services import (
    CommissionError,
    college_setting_save,
    member_appoint,
    quorum,
)
from tenants.commission.tasks import remind_mandates
from tests.tenants.casework.conftest import PDF, access_as


def test_composition_shows_vacant_seats(in31, commission, session) -> None:  # type: ignore[no-untyped-def]
    college_setting_save(
        access=in31("coordinator"), college="gendarmerie", titular_seats=2, may_see_health=False
    )
    row = next(r for r in composition() if r["college"] == "gendarmerie")
    assert (row["seats"], row["titulars"]) == (2, 1)
    # The chair is a member composing the commission: counted in their college as in the quorum.
    ddets = next(r for r in composition() if r["college"] == "ddets")
    assert ddets["titulars"] == 2
    assert sum(r["titulars"] for r in composition()) == quorum(session=session).members
    with pytest.raises(CommissionError):
        college_setting_save(
            access=in31("coordinator"),
            college="gendarmerie",
            titular_seats=42,
            may_see_health=False,
        )
    with pytest.raises(CommissionError):
        college_setting_save(
            access=in31("prefet"), college="gendarmerie", titular_seats=1, may_see_health=False
        )


def test_members_see_health_goals_only_where_their_college_is_allowed(in31, commission) -> None:  # type: ignore[no-untyped-def]
    user = User.objects.get(email="member.31@test.parcours")
    member_appoint(
        access=in31("coordinator"),
        user_id=user.pk,
        college="medecin",
        arrete_reference="A-2",
        arrete_on=timezone.localdate(),
        mandate_start=timezone.localdate(),
    )
    connection.set_tenant(Tenant.objects.get(code="31"))
    member = access_as("member", "31")
    assert not may_see_health(access=member)  # least privilege by default
    college_setting_save(
        access=in31("coordinator"), college="medecin", titular_seats=1, may_see_health=True
    )
    assert may_see_health(access=member)
    assert may_see_health(access=in31("prefet"))


def test_a_mandate_ending_within_90_days_is_reminded_once(in31, commission, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    Member.objects.filter(pk=commission.titulars["magistrat"].pk).update(
        mandate_end=timezone.localdate() + dt.timedelta(days=60)
    )
    assert remind_mandates() == 1
    assert remind_mandates() == 0
    assert "prend fin" in mailoutbox[-1].body


def test_the_members_page_sets_the_composition(login, in31, commission) -> None:  # type: ignore[no-untyped-def]
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")
    assert (
        coordinator.post(
            "/commission/colleges/",
            {"college": "medecin", "titular_seats": "2", "may_see_health": "on"},
        ).status_code
        == 302
    )
    page = html.unescape(coordinator.get("/commission/membres/").content.decode())
    assert "siège vacant" in page
    assert (
        login("member", "31")
        .post("/commission/colleges/", {"college": "medecin", "titular_seats": "2"})
        .status_code
        == 403
    )


def test_the_designation_arrete_is_a_pdf_served_through_the_permission_check(
    login, in31, commission, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    member = commission.titulars["magistrat"]
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")
    not_pdf = SimpleUploadedFile("arrete.pdf", b"MZ not a pdf", content_type="application/pdf")
    page = coordinator.post(
        f"/commission/membres/{member.pk}/arrete/", {"file": not_pdf}, follow=True
    )
    assert "PDF" in html.unescape(page.content.decode())
    pdf = SimpleUploadedFile("arrete.pdf", PDF, content_type="application/pdf")
    assert (
        coordinator.post(f"/commission/membres/{member.pk}/arrete/", {"file": pdf}).status_code
        == 302
    )
    download = coordinator.get(f"/commission/membres/{member.pk}/arrete.pdf")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    connection.set_tenant(Tenant.objects.get(code="31"))
    from parcours.audit.models import AuditEvent

    read = AuditEvent.objects.filter(action="commission.member_arrete_read").get()
    assert (read.object_id, read.actor_role) == (str(member.pk), "coordinator")
    connection.set_schema_to_public()
    assert (
        login("association_worker", "31")
        .get(f"/commission/membres/{member.pk}/arrete.pdf")
        .status_code
        == 403
    )


def test_one_rule_of_who_sits_for_the_composition_and_the_quorum(in31, commission, session) -> None:  # type: ignore[no-untyped-def]
    """A mandate ended early counts until its last day, in the selector and the quorum alike."""
    from tenants.commission.selectors import members_active
    from tenants.commission.services import quorum

    today = timezone.localdate()
    session_day = timezone.localtime(session.starts_at).date()
    magistrat = commission.titulars["magistrat"]
    before = (len(members_active(on=session_day)), quorum(session=session).members)

    Member.objects.filter(pk=magistrat.pk).update(ended_on=session_day + dt.timedelta(days=1))
    still = (len(members_active(on=session_day)), quorum(session=session).members)
    Member.objects.filter(pk=magistrat.pk).update(ended_on=today)
    gone = (len(members_active(on=session_day)), quorum(session=session).members)

    assert still == before
    assert gone == (before[0] - 1, before[1] - 1)


def test_the_members_page_ends_a_mandate_and_seats_the_replacement(login, in31, commission) -> None:  # type: ignore[no-untyped-def]
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")
    medecin = commission.titulars["medecin"]
    today = timezone.localdate().isoformat()
    bad = coordinator.post(f"/commission/membres/{medecin.pk}/fin/", {"ended_on": "demain"})
    assert bad.status_code == 302
    connection.set_tenant(Tenant.objects.get(code="31"))
    assert Member.objects.get(pk=medecin.pk).ended_on is None
    connection.set_schema_to_public()
    coordinator.post(
        f"/commission/membres/{medecin.pk}/fin/",
        {
            "ended_on": today,
            "reason": "death",
            "email": "docteure@membres.test",
            "first_name": "Hélène",
            "last_name": "Remplaçante",
            "arrete_reference": "A-31-11",
            "arrete_on": today,
        },
    )
    page = html.unescape(coordinator.get("/commission/membres/").content.decode())
    assert "Hélène Remplaçante" in page and "Medecin Membre" not in page
    connection.set_tenant(Tenant.objects.get(code="31"))
    ended = Member.objects.get(pk=medecin.pk)
    assert (ended.ended_on, ended.end_reason) == (timezone.localdate(), "death")
    assert login("member", "31").post(f"/commission/membres/{medecin.pk}/fin/").status_code == 403
