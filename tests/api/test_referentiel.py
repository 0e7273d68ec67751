"""api/views/referentiel.py: national reference data, read anywhere, written nationally."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from parcours.accounts.models import User
from parcours.audit.models import AuditEvent
from parcours.referentiel.models import LegalParameter, NomenclatureItem, NomenclatureKind
from tests.conftest import People

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

REFERENTIEL = "/api/v1/referentiel/"
LEGAL_PARAMETERS = f"{REFERENTIEL}legal-parameters/"
NEW_VALUE = {
    "key": "afis_monthly_amount",
    "value": "350.00",
    "effective_from": "2026-04-01",
    "source": "Décret de revalorisation (test)",
    "confidence": "C",
}


def _value_url(key: str) -> str:
    return f"{LEGAL_PARAMETERS}{key}/value/"


# --- reads --------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "code"), [("member", "31"), ("national_analyst", None)])
def test_regions_are_the_18_regions(login, role: str, code: str | None) -> None:
    response = login(role, code).get(f"{REFERENTIEL}regions/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 18
    assert {"code": "76", "name": "Occitanie"} in body["results"]


def test_departements_reference_holds_the_101_insee_codes(login) -> None:
    response = login("coordinator", "31").get(f"{REFERENTIEL}departements/?page_size=200")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 101
    codes = [d["code"] for d in body["results"]]
    assert len(codes) == 101
    assert {"2A", "2B", "971", "972", "973", "974", "976"} <= set(codes)
    assert "975" not in codes and "20" not in codes
    assert codes.index("19") < codes.index("2A") < codes.index("2B") < codes.index("21")
    haute_garonne = body["results"][codes.index("31")]
    assert haute_garonne["name"] == "Haute-Garonne"
    assert haute_garonne["region"] == "76"
    assert haute_garonne["source"].startswith("INSEE")


def test_departements_reference_is_paginated_by_default(login) -> None:
    body = login("coordinator", "31").get(f"{REFERENTIEL}departements/").json()

    assert body["count"] == 101
    assert len(body["results"]) == 50
    assert body["next"]


@pytest.mark.parametrize("kind", [k.value for k in NomenclatureKind])
def test_nomenclatures_filter_by_kind(login, kind: str) -> None:
    response = login("member", "31").get(f"{REFERENTIEL}nomenclatures/?kind={kind}&page_size=200")

    assert response.status_code == 200
    results = response.json()["results"]
    assert results
    assert {item["kind"] for item in results} == {kind}


def test_nomenclatures_active_filter(login) -> None:
    client = login("national_analyst", None)
    all_colleges = client.get(f"{REFERENTIEL}nomenclatures/?kind=college").json()["count"]
    NomenclatureItem.objects.filter(kind="college", code="medecin").update(is_active=False)

    active = client.get(f"{REFERENTIEL}nomenclatures/?kind=college&active=true").json()
    assert active["count"] == all_colleges - 1
    assert "medecin" not in {item["code"] for item in active["results"]}


def test_nomenclatures_refuse_an_unknown_kind(login) -> None:
    response = login("member", "31").get(f"{REFERENTIEL}nomenclatures/?kind=couleur")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"kind": ["Nomenclature inconnue : couleur."]}


def test_legal_parameters_filter_by_key(login) -> None:
    body = login("member", "31").get(f"{LEGAL_PARAMETERS}?key=afis_monthly_amount").json()

    rows = [(r["territory"], r["effective_from"], r["value"]) for r in body["results"]]
    assert rows == [
        ("", "2017-04-15", "330.00"),
        ("", "2022-07-01", "343.20"),
        ("976", "2017-04-15", "165.00"),
    ]


@pytest.mark.parametrize(
    ("on", "territory", "expected"),
    [
        ("2020-01-01", "", "330.00"),
        ("2023-01-01", "", "343.20"),
        ("2022-06-30", "", "330.00"),
        ("2022-07-01", "", "343.20"),
        ("2020-01-01", "976", "165.00"),
        ("2023-01-01", "31", "343.20"),
    ],
)
@pytest.mark.parametrize(("role", "code"), [("member", "31"), ("national_analyst", None)])
def test_legal_parameter_value_in_force_on_a_date(
    login, role: str, code: str | None, on: str, territory: str, expected: str
) -> None:
    url = _value_url("afis_monthly_amount") + f"?on={on}&territory={territory}"
    response = login(role, code).get(url)

    assert response.status_code == 200
    assert response.json() == {
        "key": "afis_monthly_amount",
        "on": on,
        "territory": territory,
        "value": expected,
    }


def test_legal_parameter_value_territory_is_upper_cased(login) -> None:
    url = _value_url("afis_monthly_amount") + "?on=2020-01-01&territory=2a"

    body = login("member", "31").get(url).json()

    assert (body["territory"], body["value"]) == ("2A", "330.00")


@pytest.mark.parametrize(
    "url",
    [
        _value_url("afis_monthly_amount") + "?on=2016-12-31",
        _value_url("afis_monthly_amount") + "?on=2017-04-14&territory=976",
        _value_url("parametre_inconnu") + "?on=2020-01-01",
    ],
)
def test_legal_parameter_value_without_a_value_in_force_is_404(login, url: str) -> None:
    response = login("member", "31").get(url)

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["message"].startswith("Aucune valeur de ")
    assert error["request_id"] == response["X-Request-ID"]


def test_legal_parameter_value_refuses_a_malformed_date(login) -> None:
    response = login("member", "31").get(_value_url("afis_monthly_amount") + "?on=01/01/2020")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"on": ["Date attendue au format AAAA-MM-JJ."]}


# --- writes -------------------------------------------------------------------------------


def test_operator_adds_a_dated_legal_parameter(login) -> None:
    operator = User.objects.get(email=People.email("national_operator", None))
    with schema_context("public"):
        last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    response = login("national_operator", None).post(
        LEGAL_PARAMETERS, {**NEW_VALUE, "territory": ""}, content_type="application/json"
    )

    assert response.status_code == 201
    created = response.json()
    assert created | {"id": None} == {
        "id": None,
        "key": "afis_monthly_amount",
        "territory": "",
        "value": "350.00",
        "unit": "EUR",
        "effective_from": "2026-04-01",
        "label": "Montant mensuel de l'AFIS (personne seule)",
        "source": "Décret de revalorisation (test)",
        "confidence": "C",
    }
    assert LegalParameter.objects.get(pk=created["id"]).value == Decimal("350.00")
    with schema_context("public"):
        [event] = AuditEvent.objects.filter(id__gt=last)
    assert event.action == "referentiel.legal_parameter_added"
    assert event.actor_id == operator.pk
    assert (event.object_type, event.object_id) == ("legal_parameter", str(created["id"]))
    assert event.data == {
        "key": "afis_monthly_amount",
        "territory": "",
        "value": "350.00",
        "effective_from": "2026-04-01",
        "previous_value": "343.20",
    }


def test_new_value_is_served_from_its_date_of_effect(login) -> None:
    login("national_operator", None).post(
        LEGAL_PARAMETERS, NEW_VALUE, content_type="application/json"
    )
    client = login("member", "31")

    before = client.get(_value_url("afis_monthly_amount") + "?on=2026-03-31").json()["value"]
    after = client.get(_value_url("afis_monthly_amount") + "?on=2026-04-01").json()["value"]

    assert (before, after) == ("343.20", "350.00")


def test_operator_adds_a_territory_value_normalised_to_upper_case(login) -> None:
    response = login("national_operator", None).post(
        LEGAL_PARAMETERS,
        {**NEW_VALUE, "territory": " 976 ", "value": "170.00"},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["territory"] == "976"
    assert response.json()["label"] == "Montant mensuel de l'AFIS à Mayotte"


def test_duplicate_date_of_effect_is_refused(login) -> None:
    client = login("national_operator", None)
    assert (
        client.post(LEGAL_PARAMETERS, NEW_VALUE, content_type="application/json").status_code == 201
    )
    count = LegalParameter.objects.count()

    response = client.post(
        LEGAL_PARAMETERS, {**NEW_VALUE, "value": "360.00"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "effective_from": ["Une valeur existe déjà à cette date d'effet pour ce paramètre."]
    }
    assert LegalParameter.objects.count() == count


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"key": "inconnu"}, "key", "Paramètre légal inconnu."),
        ({"value": "-1"}, "value", "Assurez-vous que cette valeur est supérieure ou égale à\xa00."),
        ({"confidence": "Z"}, "confidence", "«\xa0Z\xa0» n'est pas un choix valide."),
    ],
)
def test_invalid_legal_parameter_is_refused_and_nothing_is_written(
    login, change: dict[str, str], field: str, message: str
) -> None:
    count = LegalParameter.objects.count()

    response = login("national_operator", None).post(
        LEGAL_PARAMETERS, {**NEW_VALUE, **change}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {field: [message]}
    assert LegalParameter.objects.count() == count


def test_analyst_cannot_add_a_legal_parameter(login) -> None:
    count = LegalParameter.objects.count()

    response = login("national_analyst", None).post(
        LEGAL_PARAMETERS, NEW_VALUE, content_type="application/json"
    )

    assert response.status_code == 403
    assert LegalParameter.objects.count() == count
