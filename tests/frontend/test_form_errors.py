"""A refused form, as the RGAA asks: "Erreur" in the title, a focused summary linking each field,
each message tied to its field, required fields marked."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template import Context, Template

from frontend.form_errors import error_list, failed_forms
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]


def test_a_refused_sign_in_says_error_in_its_title_and_focuses_the_summary() -> None:
    html = (
        client_for(None, None).post("/connexion/", {"email": "", "password": ""}).content.decode()
    )

    assert re.search(r"<title>Erreur — Connexion — Parcours</title>", html)
    summary = re.search(r'<div [^>]*id="error-summary"[^>]*>', html)
    assert summary and "autofocus" in summary[0] and 'tabindex="-1"' in summary[0]
    assert 'href="#id_email"' in html
    field = re.search(r'<input [^>]*id="id_email"[^>]*>', html)
    assert field and 'aria-invalid="true"' in field[0]
    assert 'aria-describedby="id_email-error"' in field[0] and 'id="id_email-error"' in html


def test_a_page_without_errors_has_neither_summary_nor_error_title() -> None:
    html = client_for(None, None).get("/connexion/").content.decode()

    assert "<title>Connexion — Parcours</title>" in html
    assert "error-summary" not in html and "aria-invalid" not in html


class _Every(forms.Form):
    name = forms.CharField(label="Nom")
    note = forms.CharField(label="Note", widget=forms.Textarea)
    kind = forms.ChoiceField(label="Type", choices=[("", "—"), ("a", "A")])
    agree = forms.BooleanField(label="J'accepte")
    days = forms.MultipleChoiceField(
        label="Jours", choices=[("1", "lundi")], widget=forms.CheckboxSelectMultiple
    )
    piece = forms.FileField(label="Pièce")
    optional = forms.CharField(label="Complément", required=False)


@pytest.mark.parametrize("name", ["name", "note", "kind", "agree", "days", "piece"])
def test_every_kind_of_field_ties_its_error_to_its_control(name: str) -> None:
    form = _Every(data={})
    assert not form.is_valid()
    html = Template('{% include "includes/field.html" with field=form.' + name + " %}").render(
        Context({"form": form})
    )

    error_id = f"id_{name}-error"
    assert f'id="{error_id}"' in html
    controls = re.findall(r"<(?:input|select|textarea)[^>]*>", html)
    assert controls and all(
        'aria-invalid="true"' in c and f'aria-describedby="{error_id}"' in c for c in controls
    )
    assert "Obligatoire" in html


def test_an_optional_field_is_not_marked_required() -> None:
    html = Template('{% include "includes/field.html" with field=form.optional %}').render(
        Context({"form": _Every(data={})})
    )

    assert "Obligatoire" not in html and "aria-required" not in html


def test_the_summary_lists_errors_of_the_whole_form_first_then_by_field() -> None:
    form = _Every(data={"name": "x"})
    form.is_valid()
    form.add_error(None, "Refusé par la règle.")

    assert failed_forms({"a": form, "b": form, "c": 3}) == [form]
    assert [e.anchor for e in error_list(form)][:2] == ["", "id_note"]
