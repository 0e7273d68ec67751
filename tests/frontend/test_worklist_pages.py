"""Each role's home lists its work; the file list shows the files under way, what is due first."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.utils import timezone

from parcours.accounts.models import Role, User
from parcours.accounts.services import membership_grant
from parcours.associations.models import Association
from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.casework.models import Dossier
from tenants.casework.services import TransitionRequest, dossier_transition
from tests.conftest import People
from tests.tenants.casework.conftest import access_as, prepare
from tests.tenants.commission.factories import member_seated, session_in_twelve_days

REQUEST_SAVEPOINT = 2


def _in(code: str):  # type: ignore[no-untyped-def]
    connection.set_tenant(Tenant.objects.get(code=code))


def _submitted(code: str = "31") -> Dossier:
    _in(code)
    worker = access_as("association_worker", code)
    dossier = prepare(worker)
    dossier_transition(
        access=worker, dossier_id=dossier.pk, request=TransitionRequest(name="submit", data={})
    )
    connection.set_schema_to_public()
    return dossier


def _queue_count(page: str, key: str) -> int:
    match = re.search(
        rf'data-queue="{key}".*?data-testid="queue-count">(\d+)<', page, flags=re.DOTALL
    )
    assert match, key
    return int(match.group(1))


def test_the_coordination_home_counts_the_files_to_check(login, in31) -> None:  # type: ignore[no-untyped-def]
    dossier = _submitted()

    page = html.unescape(login("coordinator", "31").get("/").content.decode())

    assert "À faire pour la coordination" in page
    assert _queue_count(page, "to_check") == 1
    assert _queue_count(page, "to_schedule") == 0
    assert f'href="/dossiers/{dossier.pk}/"' in page


@pytest.mark.parametrize("role", ["member", "association_worker", "prefet", "dpo"])
def test_only_the_coordination_sees_its_queue(login, in31, role) -> None:  # type: ignore[no-untyped-def]
    _submitted()

    page = html.unescape(login(role, "31").get("/").content.decode())

    assert "À faire pour la coordination" not in page
    assert 'data-queue="to_check"' not in page


def test_the_dpo_is_one_click_from_the_audit_trail(login, in31) -> None:  # type: ignore[no-untyped-def]
    page = login("dpo", "31").get("/").content.decode()

    assert 'href="/journal/"' in page


def test_the_worker_home_lists_its_files_of_every_departement_without_switching(  # type: ignore[no-untyped-def]
    login, in31
) -> None:
    here = _submitted("31")
    _in("13")
    there = prepare(access_as("association_worker", "13"))
    connection.set_schema_to_public()
    membership_grant(
        user=User.objects.get(email=People.email("association_worker", "31")),
        role=Role.ASSOCIATION_WORKER,
        tenant=Tenant.objects.get(code="13"),
        association=Association.objects.get(rna="W313000099"),
        actor_id=None,
    )
    _in("75")
    not_ours = prepare(access_as("association_worker", "75"))
    connection.set_schema_to_public()

    # Under the request's own PostgreSQL role for 31: 13 is read under 13's role.
    page = html.unescape(login("association_worker", "31").get("/").content.decode())

    assert here.person.pseudonym in page and there.person.pseudonym in page
    assert not_ours.person.pseudonym not in page
    assert 'href="/espaces/aller/13/"' in page
    assert "Compléter et déposer le dossier" in page  # the file of 13, still a draft


def test_the_worker_home_costs_a_fixed_number_of_queries(  # type: ignore[no-untyped-def]
    login, in31, django_assert_max_num_queries
) -> None:
    for _ in range(3):
        _submitted()
    client = login("association_worker", "31")
    client.get("/")

    with django_assert_max_num_queries(10 + REQUEST_SAVEPOINT):
        assert client.get("/").status_code == 200


def test_the_prefet_home_lists_the_decisions_to_sign(login, in31) -> None:  # type: ignore[no-untyped-def]
    page = login("prefet", "31").get("/").content.decode()

    assert 'data-testid="decisions-count">0<' in page
    assert "Aucune décision en attente." in html.unescape(page)


# --- the file list -------------------------------------------------------------------------


def test_the_file_list_shows_the_files_under_way_and_the_closed_ones_on_demand(login, in31) -> None:  # type: ignore[no-untyped-def]
    open_file = _submitted()
    closed = _submitted()
    _in("31")
    dossier_transition(
        access=access_as("association_worker", "31"),
        dossier_id=closed.pk,
        request=TransitionRequest(name="withdraw", data={}, comment="La personne a déménagé."),
    )
    connection.set_schema_to_public()
    client = login("coordinator", "31")

    default = client.get("/dossiers/").content.decode()
    everything = client.get("/dossiers/?etat=tous").content.decode()

    assert f"/dossiers/{open_file.pk}/" in default
    assert f"/dossiers/{closed.pk}/" not in default
    assert f"/dossiers/{closed.pk}/" in everything


def test_the_file_list_puts_what_is_due_first(login, in31) -> None:  # type: ignore[no-untyped-def]
    draft_first_created = _submitted()
    _in("31")
    draft = prepare(access_as("association_worker", "31"))  # not submitted: nothing due yet
    Dossier.objects.filter(pk=draft_first_created.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=20)
    )
    later = prepare(access_as("association_worker", "31"))
    dossier_transition(
        access=access_as("association_worker", "31"),
        dossier_id=later.pk,
        request=TransitionRequest(name="submit", data={}),
    )
    connection.set_schema_to_public()

    page = login("coordinator", "31").get("/dossiers/").content.decode()

    order = [int(pk) for pk in re.findall(r'href="/dossiers/(\d+)/"', page)]
    assert order == [draft_first_created.pk, later.pk, draft.pk]


def test_a_member_home_shows_the_next_session_its_agenda_and_the_mandate(login, in31) -> None:  # type: ignore[no-untyped-def]
    from tenants.commission import services as commission

    dossier = _submitted()
    _in("31")
    coordinator = access_as("coordinator", "31")
    dossier_transition(
        access=coordinator,
        dossier_id=dossier.pk,
        request=TransitionRequest(name="declare_complete", data={}),
    )
    member_seated(coordinator, email=People.email("member", "31"))
    session = session_in_twelve_days(coordinator)
    commission.agenda_add_file(access=coordinator, session_id=session.pk, dossier_id=dossier.pk)
    commission.session_convene(access=coordinator, session_id=session.pk)
    connection.set_schema_to_public()

    member = login("member", "31")
    page = html.unescape(member.get("/").content.decode())

    assert "Ma prochaine séance" in page
    assert f'href="/commission/seances/{session.pk}/"' in page
    assert f"Dossier {dossier.person.pseudonym} (première demande)" in page
    assert "Votre mandat prend fin le" in page
    # One click to the session, one to its convocation, as received by e-mail.
    convocation = f"/commission/seances/{session.pk}/convocation/"
    assert (
        f'href="{convocation}"' in member.get(f"/commission/seances/{session.pk}/").content.decode()
    )
    answer = member.get(convocation)
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    assert answer["Content-Disposition"].startswith('attachment; filename="convocation-31-')


def test_the_prefet_list_puts_the_oldest_avis_first(login, in31) -> None:  # type: ignore[no-untyped-def]
    from parcours.workflows.services import current_template

    first_submitted, later_submitted = _submitted(), _submitted()
    _in("31")
    awaiting = min(current_template(code="psp").workflow.awaiting_decision_states)
    today = timezone.localdate()
    # Submitted later, but the commission gave its avis earlier: the préfet owes it first.
    for dossier, avis_on in ((first_submitted, today), (later_submitted, today - dt.timedelta(30))):
        Dossier.objects.filter(pk=dossier.pk).update(
            state=awaiting, commission_avis="favourable", commission_avis_on=avis_on
        )
    connection.set_schema_to_public()

    page = html.unescape(login("prefet", "31").get("/dossiers/").content.decode())

    assert page.index(f"/dossiers/{later_submitted.pk}/") < page.index(
        f"/dossiers/{first_submitted.pk}/"
    )
    assert "Avis le plus ancien d'abord" in page and "Avis de la commission" in page


def test_the_list_badge_says_whose_turn_it_is(login, in31) -> None:  # type: ignore[no-untyped-def]
    dossier = _submitted()

    def tone(role: str) -> str:
        page = login(role, "31").get("/dossiers/").content.decode()
        row = re.search(rf'href="/dossiers/{dossier.pk}/".*?data-tone="(\w+)"', page, re.DOTALL)
        assert row, role
        return row[1]

    # Submitted: the coordination checks it (to act); the association waits for it.
    assert tone("coordinator") == "warning"
    assert tone("association_worker") == "info"
