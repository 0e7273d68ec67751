"""Property-based run of the page forms: whatever is typed, a French page, never a 500.

Each form's own fields (read from its class, so a new field is fuzzed the day it is added)
receive text drawn from the classes of input that once broke a page: Unicode digits, numbers
beyond any column, dates of year 1 or 9999, bidirectional controls, NUL, very long text.

A refusal must come from the form itself, not from a wrong address or role: each page is
first shown to its role with every fuzzed field on it, and every answer is then one of the
form's own: the page again with the form's errors (nothing written), the input guard's
refusal page (nothing written), a redirect to a page that says why it refused (nothing
written), or a redirect to a page that says it is done, after which the audit trail holds
the write.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from frontend.views import (
    associations,
    casework,
    commission,
    mfa,
    national,
    privacy,
    retention,
    workflow,
)
from parcours.associations.models import Association
from parcours.audit.models import AuditEvent
from parcours.referentiel.models import Departement
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
    (retention.HoldForm, "dpo", "31", "/conservation/gels/"),
    (privacy.IdentityForm, "coordinator", "31", "/personnes/{person}/"),
    (associations.AssociationForm, "national_operator", None, "/associations/"),
    (national.LegalParameterForm, "national_operator", None, "/referentiel/"),
    (mfa.ResetForm, "national_operator", None, "/comptes/second-facteur/"),
]


def _valid(form: type[forms.Form]) -> dict[str, str]:
    """Values the form accepts, so that a hostile value in one field is seen by the rest of the
    code behind it (and the success path is shown to be reachable)."""
    if form is retention.HoldForm:  # a new person each time: one standing hold per person
        return {"pseudonym": _person_to_hold(), "reason": "Recours en cours."}
    today = timezone.localdate()
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    later = timezone.localtime() + dt.timedelta(days=20)
    values: dict[type[forms.Form], dict[str, str]] = {
        casework.PersonForm: {"last_name": "Doe", "first_name": "Jane", "children_count": "0"},
        casework.EvaluationForm: {"evaluated_on": yesterday, "needs": "Suivi", "notes": "Notes"},
        casework.ProjectForm: {"housing": "Un logement", "commitments": "Suivre les démarches"},
        casework.AvisForm: {"avis": "favourable", "motivation": "Projet solide."},
        casework.ActionForm: {"domain": "logement", "description": "Visite", "status": "planned"},
        privacy.IdentityForm: {
            "last_name": f"Doe-{uuid.uuid4().hex[:6]}",
            "first_name": "Jane",
            "reason": "Demande de la personne, sur justificatif.",
        },
        associations.RequestForm: {
            "association": str(_association_without_approval().pk),
            "requested_on": yesterday,
            "departements": "31",
        },
        commission.MemberForm: {
            "email": f"membre.{uuid.uuid4().hex[:8]}@fuzz.test",
            "first_name": "Camille",
            "last_name": "Membre",
            "college": "magistrat",
            "arrete_reference": "A-2026-1",
            "arrete_on": yesterday,
            "mandate_start": today.isoformat(),
        },
        commission.SessionForm: {"starts_at": later.strftime("%Y-%m-%dT%H:%M"), "place": "Salle"},
        workflow.VariantForm: {
            "instruction_target_days": "60",
            "decision_target_days": "30",
            "period_end_warning_days": "30",
            "aps_expiry_warning_days": "30",
            "missing_items_unanswered_days": "15",
        },
        associations.AssociationForm: {
            "name": "Association du fuzz",
            "rna": f"W31{uuid.uuid4().int % 10**7:07d}",
            "head_office": "31",
            "declared_on": "2015-03-01",
        },
        national.LegalParameterForm: {
            "key": "psp_period_months",
            "value": "6",
            "effective_from": (today + dt.timedelta(days=400)).isoformat(),
            "source": "Décret de test",
            "confidence": "C",
        },
        mfa.ResetForm: {"email": "prefet.13@test.parcours", "reason": "Téléphone perdu"},
    }
    return values[form]


def _person_to_hold() -> str:
    """A person of 31 with no hold yet: her pseudonym is what the DPO types."""
    from tenants.casework.services import person_create
    from tests.tenants.casework.conftest import access_as

    with schema_context("dep_31"):
        person = person_create(
            access=access_as("association_worker", "31"),
            identity={"first_name": "Jane", "last_name": "Gel"},
            children_count=0,
            languages=[],
        )
        return person.pseudonym


def _address(address: str) -> str:
    """The form's address, with a file (and its person) of 31 where it names one."""
    if "{dossier}" not in address and "{person}" not in address:
        return address
    dossier = plain_dossier()
    return address.format(dossier=dossier.pk, person=dossier.person_id)


def _association_without_approval() -> Association:
    return Association.objects.create(
        name="Association sans agrément",
        rna=f"W31{uuid.uuid4().int % 10**7:07d}",
        head_office_departement=Departement.objects.get(code="31"),
        declared_on=dt.date(2012, 1, 1),
    )


FUZZ = hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))

FIELD_ERROR = "fr-error-text"  # includes/field.html, beside the field it is about
GUARD_REFUSAL = "Requête refusée"  # errors/400.html: the input guard refused the request


# Reading personal data is audited too (`dossier.read`, `commission.minutes_read`, …): only
# the rows of writes tell whether the form wrote something.
READS = r"[._]read$|_downloaded$"


def _audit_rows(code: str | None) -> Callable[[], int]:
    """Every write is a domain function with its audit row: the trails show whether one ran.

    A département's page may write to the national trail too (its workflow variant is a
    national row), so both are counted.
    """
    schemas = ["public"] if code is None else ["public", f"dep_{code}"]

    def count() -> int:
        total = 0
        for schema in schemas:
            with schema_context(schema):
                total += AuditEvent.objects.exclude(action__regex=READS).count()
        return total

    return count


def _alerts(text: str) -> set[str]:
    return set(re.findall(r"fr-alert--(error|success|info)\b", text))


def _assert_the_form_answered(
    client: Client, response: Any, *, written: Callable[[], int], before: int
) -> str:
    """The answer is one the form gives (module docstring); returns which, for the record.

    `written()` counts the write rows of the audit trails, `before` is that count before.
    """
    text = response.content.decode()
    assert response.status_code in {200, 302, 400}, (response.status_code, text[:1000])
    if response.status_code in {200, 400}:
        assert 'lang="fr"' in text
        shown = FIELD_ERROR in text or GUARD_REFUSAL in text or "error" in _alerts(text)
        assert shown, f"refused without saying why: {text[-3000:]}"
        assert written() == before
        return "refused on the page"
    landing = client.get(response["Location"])
    assert landing.status_code == 200, response["Location"]
    landed = landing.content.decode()
    assert 'lang="fr"' in landed
    alerts = _alerts(landed)
    assert alerts, f"a redirect to {response['Location']} that says nothing"
    if "error" in alerts:
        assert written() == before
        return "refused with a message"
    assert written() > before, f"said done ({alerts}) but nothing was written"
    return "done"


def _form_page_shows(client: Client, url: str, names: list[str]) -> None:
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    text = page.content.decode()
    assert 'lang="fr"' in text
    missing = [name for name in names if f'name="{name}"' not in text]
    assert not missing, f"{url} does not show the fields {missing}"


@pytest.mark.parametrize(
    ("form", "role", "code", "address"), FORMS, ids=[f[0].__name__ for f in FORMS]
)
def test_a_page_form_answers_any_input_in_french(
    form: type[forms.Form], role: str, code: str | None, address: str, settings: Any, tmp_path: Any
) -> None:
    url = _address(address)
    settings.MEDIA_ROOT = str(tmp_path)
    client = client_for(role, code)
    names = sorted(form.base_fields)
    _form_page_shows(client, url, names)
    written = _audit_rows(code)

    @FUZZ
    @given(
        hostile=st.fixed_dictionaries({name: HOSTILE for name in names}),
        kept=st.sets(st.sampled_from(names)),
    )
    def post(hostile: dict[str, str], kept: set[str]) -> None:
        # From all fields hostile to one hostile field among valid ones: a refusal deeper than
        # the form's own checks (a domain rule, a column's limit) is reached too.
        values = {**hostile, **{k: v for k, v in _valid(form).items() if k in kept}}
        before = written()
        response = client.post(url, values)
        _assert_the_form_answered(client, response, written=written, before=before)

    post()


@pytest.mark.parametrize(
    ("form", "role", "code", "address"), FORMS, ids=[f[0].__name__ for f in FORMS]
)
def test_a_page_form_given_valid_values_writes(
    form: type[forms.Form], role: str, code: str | None, address: str, settings: Any, tmp_path: Any
) -> None:
    """The success path is reachable, and the check above tells it from a refusal."""
    settings.MEDIA_ROOT = str(tmp_path)
    url = _address(address)
    client = client_for(role, code)
    written = _audit_rows(code)
    before = written()
    response = client.post(url, _valid(form))
    assert _assert_the_form_answered(client, response, written=written, before=before) == "done"


# Every field the steering view reads, whatever the kind.
STEERING_FIELDS = [
    "title",
    "first_year",
    "last_year",
    "axis",
    "action_id",
    "owner",
    "status",
    "year",
]


def _steering_base() -> dict[str, dict[str, str]]:
    """An axis with one action in 31 (the page shows the action forms only then), and the
    values each kind of the steering form accepts."""
    from tenants.pilotage.models import StrategyAction, StrategyAxis
    from tenants.pilotage.services import action_save, axis_create
    from tests.tenants.casework.conftest import access_as

    year = timezone.localdate().year
    with schema_context("dep_31"):
        axis = StrategyAxis.objects.filter(title="Axe du fuzz").first()
        if axis is None:
            coordinator = access_as("coordinator", "31")
            axis = axis_create(
                access=coordinator, title="Axe du fuzz", first_year=year, last_year=year + 2
            )
            action_save(
                access=coordinator,
                axis_id=axis.pk,
                action_id=None,
                data={"title": "Action du fuzz", "owner": "DDETS", "status": "planned"},
            )
        action = StrategyAction.objects.filter(axis=axis).first()
        assert action is not None
    return {
        "axis": {"title": "Prévention", "first_year": str(year), "last_year": str(year + 1)},
        "action": {
            "axis": str(axis.pk),
            "action_id": str(action.pk),
            "title": "Maraudes",
            "owner": "DDETS",
            "status": "in_progress",
        },
        "figures": {"year": str(year - 1)},
        "report": {"year": str(year - 1)},
        "other": {},
    }


@FUZZ
@given(
    kind=st.sampled_from(["axis", "action", "figures", "report", "other"]),
    values=st.dictionaries(st.sampled_from(STEERING_FIELDS), HOSTILE),
)
def test_the_steering_form_answers_any_input_in_french(kind: str, values: dict[str, str]) -> None:
    base = _steering_base()
    client = client_for("coordinator", "31")
    # `action_id` is read by the view (an action edited) but no form of the page offers it.
    _form_page_shows(client, "/pilotage/", ["kind", *(set(STEERING_FIELDS) - {"action_id"})])
    written = _audit_rows("31")
    before = written()
    # The hostile values over the ones the kind accepts: from one field to all of them.
    response = client.post("/pilotage/actions/", {"kind": kind, **base[kind], **values})
    _assert_the_form_answered(client, response, written=written, before=before)


@pytest.mark.parametrize("kind", ["axis", "action", "figures", "report"])
def test_the_steering_form_given_valid_values_writes(kind: str) -> None:
    client = client_for("coordinator", "31")
    written = _audit_rows("31")
    before = written()
    response = client.post("/pilotage/actions/", {"kind": kind, **_steering_base()[kind]})
    assert _assert_the_form_answered(client, response, written=written, before=before) == "done"


def test_the_steering_form_with_an_axis_not_in_its_list_says_so_and_writes_nothing() -> None:
    """The axis is a choice of the form (not an address): unknown, it is the form's error."""
    base = _steering_base()["action"]
    client = client_for("coordinator", "31")
    written = _audit_rows("31")
    before = written()
    response = client.post("/pilotage/actions/", {"kind": "action", **base, "axis": "999999"})
    assert _assert_the_form_answered(client, response, written=written, before=before) == (
        "refused with a message"
    )
