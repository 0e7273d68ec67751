"""Property-based run of the page forms: whatever is typed, a French page, never a 500.

Each form's own fields (read from its class, so a new field is fuzzed the day it is added)
receive text drawn from the classes of input that once broke a page: Unicode digits, numbers
beyond any column, dates of year 1 or 9999, bidirectional controls, NUL, very long text.
"""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontend.views import associations, casework, commission, national, workflow
from tests.api.test_casework import plain_dossier
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

HOSTILE = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "",
            "²",
            "٣",
            "-1",
            "99999999999999999999",
            "2147483648",
            "9999-12-31",
            "0001-01-01",
            "2026-02-30",
            "1e400",
            "NaN",
            "\u202eevil",
            "a\x00b",
            "x" * 5_000,
            "<script>alert(1)</script>",
        ]
    ),
    st.integers().map(str),
)

# (form, role, département or None for the national host, address; {dossier} is filled in)
FORMS: list[tuple[type[forms.Form], str, str | None, str]] = [
    (casework.PersonForm, "association_worker", "31", "/personnes/nouvelle/"),
    (casework.EvaluationForm, "association_worker", "31", "/dossiers/{dossier}/evaluation/sante/"),
    (casework.ProjectForm, "association_worker", "31", "/dossiers/{dossier}/projet/"),
    (casework.AvisForm, "association_worker", "31", "/dossiers/{dossier}/avis-association/"),
    (casework.ActionForm, "association_worker", "31", "/dossiers/{dossier}/actions/"),
    (associations.RequestForm, "coordinator", "31", "/agrements/"),
    (commission.MemberForm, "coordinator", "31", "/commission/membres/"),
    (commission.SessionForm, "coordinator", "31", "/commission/seances/"),
    (workflow.VariantForm, "coordinator", "31", "/modele-de-parcours/"),
    (associations.AssociationForm, "national_operator", None, "/associations/"),
    (national.LegalParameterForm, "national_operator", None, "/referentiel/"),
]
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


def _assert_french_answer(response: Any) -> None:
    assert response.status_code < 500, response.content[:1000]
    if response.status_code == 200 or response.status_code >= 400:
        assert 'lang="fr"' in response.content.decode()


@pytest.mark.parametrize(
    ("form", "role", "code", "address"), FORMS, ids=[f[0].__name__ for f in FORMS]
)
def test_a_page_form_answers_any_input_in_french(
    form: type[forms.Form], role: str, code: str | None, address: str
) -> None:
    url = address.format(dossier=plain_dossier().pk) if "{dossier}" in address else address
    client = client_for(role, code)
    names = sorted(form.base_fields)

    @FUZZ
    @given(st.fixed_dictionaries({name: HOSTILE for name in names}))
    def post(values: dict[str, str]) -> None:
        _assert_french_answer(client.post(url, values, follow=True))

    post()


@FUZZ
@given(
    kind=st.sampled_from(["axis", "action", "figures", "report", "other"]),
    values=st.dictionaries(
        st.sampled_from(
            ["title", "first_year", "last_year", "axis", "action_id", "owner", "status", "year"]
        ),
        HOSTILE,
    ),
)
def test_the_steering_form_answers_any_input_in_french(kind: str, values: dict[str, str]) -> None:
    response = client_for("coordinator", "31").post(
        "/pilotage/actions/", {"kind": kind, **values}, follow=True
    )
    _assert_french_answer(response)
