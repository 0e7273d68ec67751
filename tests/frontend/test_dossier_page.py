"""The file page: the next step on top, badges that mean something, rights once authorised,
and the préfet's decision read as a letter before it is signed."""

from __future__ import annotations

import html

import pytest
from django.utils import timezone

from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.casework.models import Document, Dossier, Period
from tenants.casework.selectors import document_filename
from tenants.casework.services import TransitionRequest, dossier_transition
from tests.tenants.casework.conftest import access_as, prepare
from tests.tenants.commission.factories import through_a_session


def _fire(role: str, dossier: Dossier, name: str, comment: str = "") -> None:
    dossier_transition(
        access=access_as(role, "31"),
        dossier_id=dossier.pk,
        request=TransitionRequest(name=name, data={}, comment=comment),
    )


def _file(until: str) -> Dossier:
    """A file of 31 brought to `until`: "submitted" or "avis" (the commission's avis given)."""
    connection.set_tenant(Tenant.objects.get(code="31"))
    dossier = prepare(access_as("association_worker", "31"))
    _fire("association_worker", dossier, "submit")
    if until == "avis":
        _fire("coordinator", dossier, "declare_complete")
        through_a_session(
            coordinator=access_as("coordinator", "31"),
            dossiers=[Dossier.objects.get(pk=dossier.pk)],
        )
    connection.set_schema_to_public()
    return dossier


def _page(client, dossier: Dossier) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(client.get(f"/dossiers/{dossier.pk}/").content.decode())


def _state(dossier: Dossier) -> str:
    connection.set_tenant(Tenant.objects.get(code="31"))
    state = Dossier.objects.get(pk=dossier.pk).state
    connection.set_schema_to_public()
    return state


def test_the_prefet_sees_authorising_first_and_refusing_last_above_the_file(login, in31) -> None:  # type: ignore[no-untyped-def]
    page = _page(login("prefet", "31"), _file("avis"))

    authorise = page.index('data-transition="authorise"')
    refuse = page.index('data-transition="refuse"')
    assert page.index("Prochaine étape") < authorise < refuse < page.index(">Personne<")
    main = page[authorise:refuse]
    assert "data-primary-action" in main and "Voir la lettre d'autorisation avant de signer" in main
    assert "fr-btn--secondary" in page[refuse : page.index("</form>", refuse)]


@pytest.mark.parametrize(
    ("role", "tone"), [("coordinator", "warning"), ("association_worker", "info")]
)
def test_the_badge_says_whose_turn_it_is(login, in31, role, tone) -> None:  # type: ignore[no-untyped-def]
    page = _page(login(role, "31"), _file("submitted"))

    assert f'data-tone="{tone}"' in page


def test_the_prefet_reads_the_letter_then_signs_it(login, in31) -> None:  # type: ignore[no-untyped-def]
    dossier = _file("avis")
    prefet = login("prefet", "31")
    today = timezone.localdate()
    url = f"/dossiers/{dossier.pk}/"

    preview = prefet.post(url, {"transition": "authorise", "authorise-start_on": today.isoformat()})

    text = html.unescape(preview.content.decode())
    assert preview.status_code == 200
    assert "Aperçu de la lettre de décision" in text
    assert "est autorisé pour une durée de six mois" in text
    assert "Signer l'autorisation" in text
    assert _state(dossier) != "authorised"  # nothing is decided by reading the letter
    connection.set_tenant(Tenant.objects.get(code="31"))
    assert not Period.objects.filter(dossier_id=dossier.pk).exists()
    connection.set_schema_to_public()

    signed = prefet.post(
        url, {"transition": "authorise", "authorise-start_on": today.isoformat(), "confirm": "1"}
    )

    assert signed.status_code == 302
    assert _state(dossier) == "authorised"
    page = _page(prefet, dossier)
    assert 'data-tone="success"' in page
    assert 'id="droits"' in page  # the rights are followed once the pathway is authorised


def test_back_from_the_preview_the_prefet_finds_the_inputs_to_change(login, in31) -> None:  # type: ignore[no-untyped-def]
    dossier = _file("avis")
    motivation = "Projet solide, engagement constant depuis un an."

    response = login("prefet", "31").post(
        f"/dossiers/{dossier.pk}/",
        {
            "transition": "authorise",
            "authorise-start_on": timezone.localdate().isoformat(),
            "authorise-motivation": motivation,
            "confirm": "1",
            "edit": "1",
        },
    )

    assert response.status_code == 200
    assert motivation in html.unescape(response.content.decode())
    assert _state(dossier) == "avis_given"


def test_a_refusal_the_law_forbids_is_explained_on_the_preview_and_nothing_moves(  # type: ignore[no-untyped-def]
    login, in31
) -> None:
    dossier = _file("avis")

    response = login("prefet", "31").post(
        f"/dossiers/{dossier.pk}/",
        {
            "transition": "refuse",
            "refuse-motivation": "La personne n'a pas encore cessé l'activité, selon le rapport.",
            "refuse-grounds": ["not_stopped"],
        },
    )

    assert response.status_code == 400
    assert "Conseil d'État" in html.unescape(response.content.decode())
    assert _state(dossier) == "avis_given"


def test_signing_a_refusal_says_so(login, in31) -> None:  # type: ignore[no-untyped-def]
    dossier = _file("avis")
    prefet = login("prefet", "31")
    data = {
        "transition": "refuse",
        "refuse-motivation": "Les conditions d'accès au parcours ne sont pas réunies à ce jour.",
        "refuse-grounds": ["conditions_not_met"],
    }

    preview = html.unescape(prefet.post(f"/dossiers/{dossier.pk}/", data).content.decode())
    assert "Signer le refus" in preview and "la demande est refusée" in preview

    assert prefet.post(f"/dossiers/{dossier.pk}/", {**data, "confirm": "1"}).status_code == 302
    assert _state(dossier) == "refused"
    assert 'data-tone="error"' in _page(prefet, dossier)


def test_only_the_prefet_is_offered_the_preview(login, in31) -> None:  # type: ignore[no-untyped-def]
    dossier = _file("avis")

    response = login("coordinator", "31").post(
        f"/dossiers/{dossier.pk}/",
        {"transition": "authorise", "authorise-start_on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 302  # "not available for you on this file"
    assert _state(dossier) == "avis_given"


def test_rights_are_not_followed_before_the_pathway_is_authorised(login, in31) -> None:  # type: ignore[no-untyped-def]
    page = _page(login("coordinator", "31"), _file("submitted"))

    assert 'id="droits"' not in page


def test_pieces_download_under_french_names(in31) -> None:  # type: ignore[no-untyped-def]
    dossier = prepare(in31("association_worker"))
    piece = dossier.documents.first()
    assert piece is not None
    letter = Document(dossier=dossier, doc_type="decision_letter", content_type="application/pdf")
    pseudonym = dossier.person.pseudonym

    assert document_filename(letter) == f"decision-{pseudonym}.pdf"
    assert document_filename(piece).endswith(f"-{pseudonym}.pdf")
    assert "_" not in document_filename(piece)


def _add_actions(dossier: Dossier, count: int) -> None:
    from tenants.casework.services import project_action_save

    connection.set_tenant(Tenant.objects.get(code="31"))
    for number in range(count):
        project_action_save(
            access=access_as("association_worker", "31"),
            dossier_id=dossier.pk,
            action_id=None,
            domain="logement",
            description=f"Action {number}",
            partner="",
            due_on=None,
            status="planned",
        )
    connection.set_schema_to_public()


def test_the_file_page_costs_the_same_queries_for_one_action_or_four(login, in31) -> None:  # type: ignore[no-untyped-def]
    """The project's actions, the periods, the rights and their nomenclature are each read
    once: more of them cost no query more, and the right types' list is not read per visit."""
    from django.db import connection as django_connection
    from django.test.utils import CaptureQueriesContext

    dossier = _file("submitted")
    _add_actions(dossier, 1)
    client = login("coordinator", "31")
    client.get(f"/dossiers/{dossier.pk}/")
    with CaptureQueriesContext(django_connection) as one:
        assert client.get(f"/dossiers/{dossier.pk}/").status_code == 200
    once = [q["sql"] for q in one]  # now: the next request empties the connection's log
    _add_actions(dossier, 3)
    client.get(f"/dossiers/{dossier.pk}/")  # back on 31's schema, as before the first count
    with CaptureQueriesContext(django_connection) as four:
        page = html.unescape(client.get(f"/dossiers/{dossier.pk}/").content.decode())
    assert page.count("Action 0") == 2 and "Action 2" in page
    assert len(four) == len(once)
    assert not [sql for sql in once if "referentiel_nomenclatureitem" in sql]
    assert len([sql for sql in once if 'FROM "casework_projectaction"' in sql]) == 1
    assert len([sql for sql in once if 'FROM "casework_period"' in sql]) == 1
