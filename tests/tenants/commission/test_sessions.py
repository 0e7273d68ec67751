"""Sessions: convocation delay, quorum with substitutes and proxies, conflicts, votes, casting vote,
the avis written onto the file, closing, minutes."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tenants.casework.models import Dossier
from tenants.casework.services import TransitionRequest, dossier_transition
from tenants.commission.models import Presence, Session, SessionStatus
from tenants.commission.services import (
    CommissionError,
    agenda_add_file,
    agenda_add_policy,
    attendance_record,
    conflict_declare,
    item_close,
    quorum,
    session_close,
    session_convene,
    session_open,
    session_reconvene,
    vote_cast,
)
from tests.tenants.casework.conftest import prepare


def complete_file(in31) -> Dossier:  # type: ignore[no-untyped-def]
    dossier = prepare(in31("association_worker"))
    dossier_transition(
        access=in31("association_worker"),
        dossier_id=dossier.pk,
        request=TransitionRequest(name="submit", data={}),
    )
    return dossier_transition(
        access=in31("coordinator"),
        dossier_id=dossier.pk,
        request=TransitionRequest(name="declare_complete", data={}),
    )


def attend(in31, session, member, presence=Presence.IN_PERSON, proxy_to=None):  # type: ignore[no-untyped-def]
    return attendance_record(
        access=in31("coordinator"),
        session_id=session.pk,
        member_id=member.pk,
        presence=presence,
        proxy_to_id=proxy_to.pk if proxy_to else None,
    )


def opened(in31, session, dossier=None):  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    item = (
        agenda_add_file(access=coordinator, session_id=session.pk, dossier_id=dossier.pk)
        if dossier
        else agenda_add_policy(
            access=coordinator, session_id=session.pk, title="Stratégie départementale 2027"
        )
    )
    session_convene(access=coordinator, session_id=session.pk)
    on_the_day(session)
    session_open(access=coordinator, session_id=session.pk)
    return item


def convened(in31, session) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    agenda_add_policy(access=coordinator, session_id=session.pk, title="Stratégie départementale")
    session_convene(access=coordinator, session_id=session.pk)


def on_the_day(session: Session) -> None:
    """The convocation went out days ago; today is the session."""
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now())
    Dossier.objects.filter(agenda_items__session=session).update(session_on=timezone.localdate())
    session.refresh_from_db()


def test_a_convocation_less_than_5_days_ahead_needs_a_motivated_urgency(in31, commission) -> None:  # type: ignore[no-untyped-def]
    from tenants.commission.services import session_schedule

    coordinator = in31("coordinator")
    soon = session_schedule(access=coordinator, starts_at=timezone.now() + dt.timedelta(days=3))
    agenda_add_policy(access=coordinator, session_id=soon.pk, title="Point d'information")
    with pytest.raises(CommissionError, match="3 jours au lieu de 5"):
        session_convene(access=coordinator, session_id=soon.pk)
    with pytest.raises(CommissionError, match="urgence"):
        session_convene(access=coordinator, session_id=soon.pk, urgent=True, urgent_reason="")
    assert Session.objects.get(pk=soon.pk).status == SessionStatus.PLANNED
    convened = session_convene(
        access=coordinator,
        session_id=soon.pk,
        urgent=True,
        urgent_reason="Mise à l'abri immédiate nécessaire",
    )
    assert convened.status == SessionStatus.CONVENED


def test_quorum_counts_the_chair_substitutes_and_proxies(in31, commission, session) -> None:  # type: ignore[no-untyped-def]
    t = commission.titulars
    convened(in31, session)  # attendance is recorded for a session members are called to
    # CRPA R.133-10: the members composing the commission are its titular seats, chair included.
    assert quorum(session=session).members == 8 and quorum(session=session).needed == 4
    attend(in31, session, t["magistrat"])
    attend(in31, session, t["police_securite_publique"], Presence.VIDEO)  # video counts
    attend(in31, session, commission.substitute)  # stands for the DDETS titular
    attend(in31, session, t["ddets"], Presence.ABSENT)
    assert not quorum(session=session).reached
    attend(in31, session, t["medecin"], Presence.ABSENT, proxy_to=t["magistrat"])
    count = quorum(session=session)
    assert (count.present, count.represented, count.reached) == (3, 1, True)
    attend(in31, session, commission.chair)
    assert (quorum(session=session).present, quorum(session=session).counted) == (4, 5)


@pytest.mark.parametrize(
    "case", ["second proxy", "to a non-member", "to an absent member", "present giver"]
)
def test_proxy_rules_are_enforced(in31, commission, session, case) -> None:  # type: ignore[no-untyped-def]
    t = commission.titulars
    convened(in31, session)  # attendance is recorded for a session members are called to
    attend(in31, session, t["magistrat"])
    attend(in31, session, t["gendarmerie"], Presence.ABSENT, proxy_to=t["magistrat"])
    with pytest.raises(CommissionError):
        if case == "second proxy":
            attend(in31, session, t["medecin"], Presence.ABSENT, proxy_to=t["magistrat"])
        elif case == "to a non-member":
            attendance_record(
                access=in31("coordinator"),
                session_id=session.pk,
                member_id=t["medecin"].pk,
                presence=Presence.ABSENT,
                proxy_to_id=999999,
            )
        elif case == "to an absent member":
            attend(in31, session, t["medecin"], Presence.ABSENT, proxy_to=t["gendarmerie"])
        else:
            attend(in31, session, t["medecin"], Presence.IN_PERSON, proxy_to=t["magistrat"])
    assert not session.attendances.filter(member=t["medecin"]).exists()


def test_votes_give_the_avis_that_moves_the_file(in31, commission, session) -> None:  # type: ignore[no-untyped-def]
    dossier = complete_file(in31)
    item = opened(in31, session, dossier)
    t = commission.titulars
    for member in (t["magistrat"], t["ddets"], t["police_securite_publique"], t["medecin"]):
        attend(in31, session, member)
    attend(in31, session, t["gendarmerie"], Presence.ABSENT, proxy_to=t["magistrat"])
    coordinator = in31("coordinator")
    for member, choice in (
        (t["magistrat"], "favourable"),
        (t["gendarmerie"], "favourable"),
        (t["ddets"], "favourable"),
        (t["police_securite_publique"], "unfavourable"),
        (t["medecin"], "abstention"),
    ):
        vote_cast(access=coordinator, item_id=item.pk, member_id=member.pk, choice=choice)
    closed = item_close(access=coordinator, item_id=item.pk)
    assert (closed.avis, closed.votes_for, closed.votes_against, closed.abstentions) == (
        "favourable",
        3,
        1,
        1,
    )
    dossier.refresh_from_db()
    assert dossier.state == "avis_given"
    assert (dossier.commission_avis, dossier.commission_votes_for) == ("favourable", 3)


def test_a_tie_is_broken_by_the_chair(in31, commission, session) -> None:  # type: ignore[no-untyped-def]
    dossier = complete_file(in31)
    item = opened(in31, session, dossier)
    t = commission.titulars
    for member in (t["magistrat"], t["ddets"], t["medecin"], commission.chair):
        attend(in31, session, member)
    coordinator = in31("coordinator")
    vote_cast(access=coordinator, item_id=item.pk, member_id=t["magistrat"].pk, choice="favourable")
    vote_cast(access=coordinator, item_id=item.pk, member_id=t["ddets"].pk, choice="unfavourable")
    vote_cast(
        access=coordinator, item_id=item.pk, member_id=commission.chair.pk, choice="abstention"
    )
    with pytest.raises(CommissionError, match="prépondérante"):
        item_close(access=coordinator, item_id=item.pk)
    vote_cast(
        access=coordinator, item_id=item.pk, member_id=commission.chair.pk, choice="unfavourable"
    )
    assert item_close(access=coordinator, item_id=item.pk).avis == "unfavourable"
    vote_cast_after = pytest.raises(CommissionError)
    with vote_cast_after:
        vote_cast(
            access=coordinator, item_id=item.pk, member_id=t["magistrat"].pk, choice="unfavourable"
        )


@pytest.mark.parametrize(
    "who", ["association that prepared the file", "declared interest", "child protection", "absent"]
)
def test_members_in_conflict_or_absent_cannot_vote_on_a_file(
    in31, commission, session, who
) -> None:  # type: ignore[no-untyped-def]
    dossier = complete_file(in31)
    item = opened(in31, session, dossier)
    t = commission.titulars
    for member in (t["associations"], t["magistrat"], t["protection_enfance"]):
        attend(in31, session, member)
    coordinator = in31("coordinator")
    member = {
        "association that prepared the file": t["associations"],
        "declared interest": t["magistrat"],
        "child protection": t["protection_enfance"],
        "absent": t["gendarmerie"],
    }[who]
    if who == "declared interest":
        conflict_declare(
            access=coordinator,
            item_id=item.pk,
            member_id=member.pk,
            reason="Suit la personne à titre professionnel",
        )
    with pytest.raises(CommissionError, match="ne peut pas voter"):
        vote_cast(access=coordinator, item_id=item.pk, member_id=member.pk, choice="favourable")
    assert not item.votes.exists()


def test_without_quorum_no_avis_is_made_and_a_second_convocation_deliberates_without(
    in31, commission, session
) -> None:  # type: ignore[no-untyped-def]
    dossier = complete_file(in31)
    item = opened(in31, session, dossier)
    attend(in31, session, commission.titulars["magistrat"])
    coordinator = in31("coordinator")
    vote_cast(
        access=coordinator,
        item_id=item.pk,
        member_id=commission.titulars["magistrat"].pk,
        choice="favourable",
    )
    with pytest.raises(CommissionError, match="Quorum non atteint"):
        item_close(access=coordinator, item_id=item.pk)
    item.refresh_from_db()
    dossier.refresh_from_db()
    assert item.closed_at is None and dossier.state == "scheduled"
    second = session_reconvene(
        access=coordinator, session_id=session.pk, starts_at=timezone.now() + dt.timedelta(days=8)
    )
    session.refresh_from_db()
    assert session.carence_at is not None and session.status == SessionStatus.CLOSED
    assert second.second_convocation and second.first_session_id == session.pk
    assert list(second.items.values_list("dossier_id", flat=True)) == [dossier.pk]
    with pytest.raises(CommissionError, match="seconde convocation"):
        agenda_add_policy(access=coordinator, session_id=second.pk, title="Point nouveau ajouté")
    session_convene(access=coordinator, session_id=second.pk)
    on_the_day(second)
    session_open(access=coordinator, session_id=second.pk)
    attend(in31, second, commission.titulars["magistrat"])
    second_item = second.items.get()
    vote_cast(
        access=coordinator,
        item_id=second_item.pk,
        member_id=commission.titulars["magistrat"].pk,
        choice="favourable",
    )
    closed = item_close(access=coordinator, item_id=second_item.pk)  # no quorum needed now
    assert (closed.avis, closed.quorum_counted, closed.quorum_needed) == ("favourable", 1, 4)
    dossier.refresh_from_db()
    assert dossier.state == "avis_given"
    with pytest.raises(CommissionError, match="troisième"):
        session_reconvene(
            access=coordinator,
            session_id=second.pk,
            starts_at=timezone.now() + dt.timedelta(days=8),
        )


def test_a_session_closed_without_examining_its_files_adjourns_them(
    in31, commission, session
) -> None:  # type: ignore[no-untyped-def]
    dossier = complete_file(in31)
    opened(in31, session, dossier)
    closed = session_close(access=in31("coordinator"), session_id=session.pk)
    assert closed.status == SessionStatus.CLOSED and closed.carence_at is None
    dossier.refresh_from_db()
    assert dossier.state == "complete"  # not examined: adjourned back to the queue


def test_the_minutes_list_attendees_and_votes(
    in31, commission, session, mailoutbox, settings
) -> None:  # type: ignore[no-untyped-def]
    from tenants.commission.tasks import send_convocations, send_minutes

    dossier = complete_file(in31)
    item = opened(in31, session, dossier)
    t = commission.titulars
    for member in (t["magistrat"], t["ddets"], t["police_securite_publique"], t["medecin"]):
        attend(in31, session, member)
    coordinator = in31("coordinator")
    for member in (t["magistrat"], t["ddets"], t["police_securite_publique"]):
        vote_cast(access=coordinator, item_id=item.pk, member_id=member.pk, choice="favourable")
    vote_cast(access=coordinator, item_id=item.pk, member_id=t["medecin"].pk, choice="unfavourable")
    item_close(access=coordinator, item_id=item.pk)
    session_close(access=coordinator, session_id=session.pk)
    assert send_minutes(session_id=session.pk) == 9  # chair, 7 titulars, 1 substitute
    assert send_minutes(session_id=session.pk) == 0  # once
    minutes = mailoutbox[-1].attachments[0]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(minutes[1])).pages)
    assert "Magistrat" in text and "favorable" in text and dossier.person.pseudonym in text
    assert "Amina" not in text  # pseudonyms only
    assert send_convocations(session_id=session.pk) == 9
    assert any(name == "seance.ics" for name, _, _ in mailoutbox[-1].attachments)


def test_a_session_held_on_paper_is_transcribed_into_that_session_afterwards(
    in31, commission, session
) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    dossier = complete_file(in31)
    agenda_add_file(access=coordinator, session_id=session.pk, dossier_id=dossier.pk)
    session_convene(access=coordinator, session_id=session.pk)
    # The session met two days ago and its record was kept on paper.
    held_on = timezone.now() - dt.timedelta(days=2)
    Session.objects.filter(pk=session.pk).update(starts_at=held_on)
    Dossier.objects.filter(pk=dossier.pk).update(session_on=timezone.localdate(held_on))
    session_open(access=coordinator, session_id=session.pk)
    t = commission.titulars
    for member in (commission.chair, t["magistrat"], t["ddets"], t["medecin"]):
        attend(in31, session, member)
        vote_cast(
            access=coordinator,
            item_id=session.items.get().pk,
            member_id=member.pk,
            choice="favourable",
        )
    item_close(access=coordinator, item_id=session.items.get().pk)
    dossier.refresh_from_db()
    assert dossier.state == "avis_given"
    assert dossier.commission_avis_on == timezone.localdate(held_on)  # the day it deliberated
    assert dossier.commission_votes_for == 4


def test_a_session_is_not_opened_before_its_day(in31, commission, session) -> None:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    agenda_add_policy(access=coordinator, session_id=session.pk, title="Point d'information")
    session_convene(access=coordinator, session_id=session.pk)
    with pytest.raises(CommissionError, match="le jour"):
        session_open(access=coordinator, session_id=session.pk)
    assert Session.objects.get(pk=session.pk).status == SessionStatus.CONVENED
