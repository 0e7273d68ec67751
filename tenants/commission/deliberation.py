"""Deliberation on an agenda item: declarations of interest, votes by seat, and the avis made
when the item closes (quorum, majority, the chair's casting vote)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from parcours.accounts.permissions import Access
from parcours.french import french_date
from parcours.workflows.definition import LegalTransition
from tenants.casework.services import TransitionRequest, dossier_transition
from tenants.commission.common import (
    SHEET_MAX_ROWS,
    CommissionError,
    audit,
    coordinator_only,
    locked_item,
    member_label,
)
from tenants.commission.models import (
    AgendaItem,
    ConflictOfInterest,
    SessionStatus,
    Vote,
    VoteChoice,
)
from tenants.commission.seats import (
    SessionState,
    excluded,
    quorum,
    session_state,
    takes_part,
    voters,
)


def conflict_declare(
    *, access: Access, item_id: int, member_id: int, reason: str
) -> ConflictOfInterest:
    """A member who sits declares an interest in an item still open: they take no part in its
    deliberation, and a vote of theirs already cast on it is withdrawn."""
    coordinator_only(access)
    if len(reason.strip()) < 3:
        raise CommissionError(
            ["Précisez l'intérêt déclaré."], fields={"reason": ["Précisez l'intérêt."]}
        )
    with transaction.atomic():
        item = locked_item(item_id)
        if item.session.status == SessionStatus.CLOSED:
            raise CommissionError(["La séance est close."])
        if item.closed_at:
            raise CommissionError(["Le vote sur ce point est clos."])
        state = session_state(session=item.session)
        why = takes_part(member=state.members.get(member_id), state=state)
        if why is not None:
            raise CommissionError(
                [f"Ce membre ne peut pas déclarer d'intérêt sur ce point : il {why}."],
                fields={"member": ["Membre qui ne siège pas à cette séance."]},
            )
        conflict, _ = ConflictOfInterest.objects.get_or_create(
            item=item, member_id=member_id, defaults={"reason": reason.strip()}
        )
        item.votes.filter(member_id=member_id).delete()
        audit(access, "commission.conflict_declared", "agenda_item", item.pk, member=member_id)
        return conflict


SEAT_VOTED = "Ce siège a déjà voté sur ce point : un siège n'a qu'une voix."


def not_a_voter(*, item: AgendaItem, member_id: int, state: SessionState) -> str:
    """Why a member has no vote on `item`, in the words a refusal shows."""
    member = state.members.get(member_id)
    reason = excluded(item, member, state) if member else None
    if reason:
        why = f" : il {reason}"
    elif member is not None and member.titular_id is not None:
        why = " : un suppléant ne vote qu'en l'absence de son titulaire"
    else:
        why = " (absent, sans procuration, ou hors mandat)"
    return f"Ce membre ne peut pas voter sur ce point{why}."


def _voting_item(item_id: int) -> AgendaItem:
    item = locked_item(item_id)
    if item.session.status != SessionStatus.OPEN:
        raise CommissionError(["On ne vote qu'en séance ouverte."])
    if item.closed_at:
        raise CommissionError(["Le vote sur ce point est clos."])
    return item


def vote_cast(*, access: Access, item_id: int, member_id: int, choice: str) -> Vote:
    """Record a member's vote (cast by them, or by the holder of their proxy); a seat votes once."""
    coordinator_only(access)
    if choice not in VoteChoice.values:
        raise CommissionError(
            ["Vote inconnu."],
            fields={"choice": ["Choisissez favorable, défavorable ou abstention."]},
        )
    with transaction.atomic():
        item = _voting_item(item_id)
        state = session_state(session=item.session)
        allowed = voters(item=item, state=state)
        voice = allowed.get(member_id)
        if voice is None:
            raise CommissionError([not_a_voter(item=item, member_id=member_id, state=state)])
        if item.votes.filter(seat_id=voice.seat).exclude(member_id=member_id).exists():
            raise CommissionError([SEAT_VOTED])
        vote, _ = Vote.objects.update_or_create(
            item=item,
            member_id=member_id,
            defaults={"choice": choice, "cast_by_id": voice.cast_by, "seat_id": voice.seat},
        )
        audit(access, "commission.vote", "agenda_item", item.pk, member=member_id)
        return vote


@dataclass(frozen=True)
class VoteRow:
    """One voter's line of an item's vote sheet."""

    member_id: int
    choice: str


def votes_cast_sheet(*, access: Access, item_id: int, rows: Sequence[VoteRow]) -> list[Vote]:
    """The votes of an item at once, as one sheet: all of them or none. Each line is held to
    the rule of a single vote (one voice per seat, cast by whoever speaks for it; a member who
    declared an interest, or excluded from the deliberation, has none); a refused line names
    its number and its member, and nothing is written."""
    coordinator_only(access)
    if not rows:
        raise CommissionError(["Aucun vote à enregistrer."], fields={"rows": ["Vide."]})
    if len(rows) > SHEET_MAX_ROWS:
        raise CommissionError(["La feuille de vote a trop de lignes."])
    with transaction.atomic():
        item = _voting_item(item_id)
        state = session_state(session=item.session)
        allowed = voters(item=item, state=state)
        seats_voted = dict(item.votes.values_list("seat_id", "member_id"))
        seen: set[int] = set()
        for n, row in enumerate(rows, start=1):
            why: str | None = None
            voice = allowed.get(row.member_id)
            if row.choice not in VoteChoice.values:
                why = "Vote inconnu : choisissez favorable, défavorable ou abstention."
            elif row.member_id in seen:
                why = "ce membre figure deux fois."
            elif voice is None:
                why = not_a_voter(item=item, member_id=row.member_id, state=state)
            elif seats_voted.get(voice.seat, row.member_id) != row.member_id:
                why = SEAT_VOTED
            if why is not None:
                who = member_label(state.members.get(row.member_id))
                message = f"Ligne {n} ({who}) : {why[0].lower()}{why[1:]}"
                raise CommissionError([message], fields={"rows": [message]})
            seen.add(row.member_id)
        item.votes.filter(member_id__in=seen).delete()
        written = Vote.objects.bulk_create(
            Vote(
                item=item,
                member_id=row.member_id,
                choice=row.choice,
                cast_by_id=allowed[row.member_id].cast_by,
                seat_id=allowed[row.member_id].seat,
            )
            for row in rows
        )
        audit(
            access,
            "commission.votes",
            "agenda_item",
            item.pk,
            votes=[[row.member_id, row.choice] for row in rows],
        )
        return written


def item_close(*, access: Access, item_id: int) -> AgendaItem:
    """The avis is made here: quorum checked (unless on a second convocation), majority of votes
    cast, on a tie the chair's vote decides; the avis is written onto the file."""
    coordinator_only(access)
    with transaction.atomic():
        item = locked_item(item_id)
        if item.closed_at:
            raise CommissionError(["Le vote sur ce point est déjà clos."])
        if item.session.status != SessionStatus.OPEN:
            raise CommissionError(["On ne clôt un point qu'en séance ouverte."])
        count = quorum(session=item.session)
        if not count.reached and not item.session.second_convocation:
            raise CommissionError(
                [
                    f"Quorum non atteint ({count.counted} présents ou représentés sur "
                    f"{count.members} membres, {count.needed} requis) : la commission ne peut pas "
                    "délibérer sur ce point (CRPA R.133-10). Constatez la carence et convoquez "
                    "une seconde séance, qui délibérera sans condition de quorum."
                ]
            )
        votes = list(item.votes.select_related("member"))
        favourable = sum(v.choice == VoteChoice.FAVOURABLE for v in votes)
        against = sum(v.choice == VoteChoice.UNFAVOURABLE for v in votes)
        abstentions = sum(v.choice == VoteChoice.ABSTENTION for v in votes)
        casting = False
        if favourable > against:
            avis = "favourable"
        elif against > favourable:
            avis = "unfavourable"
        else:
            chair_vote = next(
                (v for v in votes if v.member.is_chair and v.choice != VoteChoice.ABSTENTION), None
            )
            if chair_vote is None:
                raise CommissionError(
                    [
                        "Partage des voix : la voix du président est prépondérante, il doit voter pour ou contre."
                    ]
                )
            avis, casting = chair_vote.choice, True
        item.avis, item.votes_for, item.votes_against, item.abstentions = (
            avis,
            favourable,
            against,
            abstentions,
        )
        item.quorum_counted, item.quorum_needed = count.counted, count.needed
        item.casting_vote_used, item.closed_at = casting, timezone.now()
        item.save()
        if item.dossier_id is not None:
            dossier_transition(
                access=access,
                dossier_id=item.dossier_id,
                request=TransitionRequest(
                    name=LegalTransition.RECORD_COMMISSION_AVIS,
                    data={
                        "avis": avis,
                        "votes_for": favourable,
                        "votes_against": against,
                        "abstentions": abstentions,
                        "avis_on": timezone.localtime(item.session.starts_at).date().isoformat(),
                    },
                    comment=f"Séance du {french_date(item.session.starts_at)}"
                    + (" (voix prépondérante du président)" if casting else ""),
                ),
                from_session=True,
            )
        audit(access, "commission.item_closed", "agenda_item", item.pk, avis=avis, casting=casting)
        return item
