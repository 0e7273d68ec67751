"""A refused hand-written form (fields posted to a command, then a redirect back) is linked like a
Django form's: its messages beside it, tied to its controls, in the summary and the title."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import ERROR, SUCCESS
from django.contrib.messages.storage.base import Message
from django.template import Context, Template

from parcours.db import connection
from tenants.commission.models import Session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]


def _post(client, session: Session, **data):  # type: ignore[no-untyped-def]
    return client.post(f"/commission/seances/{session.pk}/actions/", data)


def test_a_refused_agenda_point_comes_back_beside_its_field(session, login) -> None:  # type: ignore[no-untyped-def]
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")

    response = _post(coordinator, session, action="add_policy", title="", _form="ajout-point")

    assert response.status_code == 302
    assert response["Location"].endswith(f"/commission/seances/{session.pk}/#ajout-point-error")
    html = coordinator.get(response["Location"]).content.decode()
    assert html.count('id="ajout-point-error"') == 1
    message = re.search(r'<p id="ajout-point-error" class="fr-error-text"[^>]*>(.*?)</p>', html)
    assert message and message[1].strip()
    field = re.search(r'<input [^>]*id="add-policy"[^>]*>', html)
    assert field and 'aria-invalid="true"' in field[0]
    assert 'aria-describedby="ajout-point-error"' in field[0]
    assert 'href="#ajout-point-error"' in html and re.search(r"<title>Erreur — ", html)
    # Said once beside the form and once in the summary, not a third time in the alerts on top.
    assert f'role="alert"><p>{message[1]}' not in html
    # The other forms of the page are not marked.
    assert html.count('aria-invalid="true"') == 1


def test_a_forged_form_name_is_not_echoed_and_the_refusal_stays_on_top(session, login) -> None:  # type: ignore[no-untyped-def]
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")

    response = _post(coordinator, session, action="add_policy", title="", _form='x"><script>')

    assert response["Location"].endswith(f"/commission/seances/{session.pk}/")
    html = coordinator.get(response["Location"]).content.decode()
    assert 'x"><script>' not in html and "&lt;script&gt;" not in html
    assert 'aria-invalid="true"' not in html and 'role="alert"' in html


def test_a_success_is_not_tied_to_the_form(session, login) -> None:  # type: ignore[no-untyped-def]
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")

    response = _post(
        coordinator, session, action="add_policy", title="Bilan annuel", _form="ajout-point"
    )

    assert "-error" not in response["Location"]
    html = coordinator.get(response["Location"]).content.decode()
    assert "error-summary" not in html and 'aria-invalid="true"' not in html


def test_the_tags_name_a_form_of_a_list_by_its_parts() -> None:
    stored = [
        Message(ERROR, "Motif trop court.", "form:retrait-3"),
        Message(SUCCESS, "Enregistré.", None),
    ]
    html = Template(
        '{% inline_form "retrait" 3 %}<input{% invalid "retrait" 3 %}><input{% invalid "retrait" 4 %}>'
        "{% page_messages as shown %}{% for m in shown %}[{{ m }}]{% endfor %}"
    ).render(Context({"messages": stored}))

    assert '<input type="hidden" name="_form" value="retrait-3">' in html
    assert (
        '<p id="retrait-3-error" class="fr-error-text" tabindex="-1">Motif trop court.</p>' in html
    )
    assert '<input aria-invalid="true" aria-describedby="retrait-3-error"><input>' in html
    assert "[Enregistré.]" in html and "[Motif trop court.]" not in html
