"""api/views/national_privacy.py: the yearly privacy budgets, their ledger, and a release's
differentially private figures (national host)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours.audit.models import AuditEvent
from parcours.reporting.models import DpFigure, PrivacyBudget, PrivacySpend
from parcours.reporting.privacy import BREAKDOWNS, NOISED_INDICATORS, TOTALS
from tests.api.test_casework import error_of
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

BUDGETS = "/api/v1/statistics/privacy-budgets/"
RELEASES = "/api/v1/statistics/releases/"


def put_json(client: Any, url: str, data: Any) -> Any:
    return client.put(url, data, content_type="application/json")


def written() -> tuple[int, ...]:
    return (PrivacyBudget.objects.count(), PrivacySpend.objects.count(), AuditEvent.objects.count())


@pytest.mark.parametrize("role", ["national_analyst", "national_operator"])
def test_national_roles_read_the_budgets_and_the_ledger(dp_release_2024: Any, role: str) -> None:
    client = client_for(role, None)
    years = {b["year"]: b for b in client.get(BUDGETS).json()}
    assert years[2024] | {"set_by": "", "set_at": None} == {
        "year": 2024,
        "epsilon_total": "2.000",
        "spent": "1.000",
        "reserved": "0.000",
        "remaining": "1.000",
        "is_default": False,
        "set_by": "",
        "set_at": None,
    }
    detail = client.get(f"{BUDGETS}2024/").json()
    [line] = detail["ledger"]
    assert (line["release"], line["epsilon"], line["status"]) == (
        dp_release_2024.pk,
        "1.000",
        "spent",
    )
    # The split between levels is stored with the line, and adds up to at most its ε.
    assert [(level["level"], level["half_width_95"]) for level in line["levels"]] == [
        ("france", 45),
        ("region", 90),
        ("departement", 22),
    ]
    assert sum(level["epsilon"] for level in line["levels"]) <= 1


def test_a_year_never_drawn_on_shows_the_default_of_the_legal_parameter(login: Any) -> None:
    body = login("national_analyst", None).get(f"{BUDGETS}2030/").json()
    assert (body["epsilon_total"], body["is_default"], body["ledger"]) == ("2.000", True, [])
    assert not PrivacyBudget.objects.exists()  # reading writes nothing


def test_the_operator_sets_a_budget(login: Any) -> None:
    response = put_json(login("national_operator", None), f"{BUDGETS}2025/", {"epsilon_total": "4"})
    assert response.status_code == 200, response.content
    assert response.json()["epsilon_total"] == "4.000"
    assert PrivacyBudget.objects.get(year=2025).epsilon_total == Decimal(4)
    assert AuditEvent.objects.filter(action="reporting.privacy_budget_set").count() == 1


def test_the_analyst_setting_a_budget_is_a_403_and_nothing_is_written(login: Any) -> None:
    before = written()
    response = put_json(login("national_analyst", None), f"{BUDGETS}2025/", {"epsilon_total": "9"})
    error_of(response, 403, "permission_denied")
    assert written() == before


@pytest.mark.parametrize("role", ["coordinator", "prefet", "association_worker", "dpo"])
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", BUDGETS),
        ("get", f"{BUDGETS}2024/"),
        ("put", f"{BUDGETS}2024/"),
        ("get", f"{RELEASES}1/dp-figures/"),
    ],
)
def test_departement_roles_are_refused_with_a_403(role: str, method: str, url: str) -> None:
    client = client_for(role, "31", on=None)
    response = put_json(client, url, {"epsilon_total": "9"}) if method == "put" else client.get(url)
    error_of(response, 403, "permission_denied")
    assert not PrivacyBudget.objects.exists()


def test_a_budget_below_what_is_spent_is_refused_in_the_error_format(
    dp_release_2024: Any, login: Any
) -> None:
    before = written()
    response = put_json(login("national_operator", None), f"{BUDGETS}2024/", {"epsilon_total": 0.5})
    error = error_of(response, 400, "invalid")
    assert "déjà dépensé ou réservé (ε = 1)" in error["fields"]["epsilon_total"][0]
    assert written() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"epsilon_total": "-1"}, "strictement positif"),
        ({"epsilon_total": "NaN"}, "nombre décimal"),
        ({"epsilon_total": "Infinity"}, "nombre décimal"),
        ({"epsilon_total": 1e300}, "nombre décimal"),
        ({"epsilon_total": "0.0001"}, "trois décimales"),
        ({"epsilon_total": 11}, "ne peut dépasser 10"),
        ({"epsilon_total": "x" * 21}, "20"),
        ({"epsilon_total": True}, ""),
        ({"epsilon_total": None}, ""),
        ({"epsilon_total": []}, ""),
        ({}, ""),
    ],
)
def test_a_hostile_budget_is_a_400_in_french_and_writes_nothing(
    login: Any, body: dict[str, Any], message: str
) -> None:
    before = written()
    response = put_json(login("national_operator", None), f"{BUDGETS}2025/", body)
    error = error_of(response, 400, "invalid")
    assert message in error["fields"]["epsilon_total"][0]
    assert written() == before


@pytest.mark.parametrize("year", [0, 1, 2015, 2101, 10**18])
def test_a_year_out_of_range_is_a_404(login: Any, year: int) -> None:
    client = login("national_operator", None)
    error_of(client.get(f"{BUDGETS}{year}/"), 404, "not_found")
    error_of(put_json(client, f"{BUDGETS}{year}/", {"epsilon_total": "1"}), 404, "not_found")
    assert not PrivacyBudget.objects.exists()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    value=st.one_of(
        st.text(max_size=25),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.none(),
    )
)
def test_any_typed_budget_is_stored_or_refused_never_a_500(login: Any, value: Any) -> None:
    response = put_json(
        login("national_operator", None), f"{BUDGETS}2026/", {"epsilon_total": value}
    )
    assert response.status_code in {200, 400}, response.content
    if response.status_code == 400:
        # The refusal names the field, or the input guard refused the body whole (a NUL
        # character, an integer beyond 64 bits).
        fields = response.json()["error"]["fields"]
        assert fields.get("epsilon_total") or fields["non_field_errors"]
    else:
        stored = PrivacyBudget.objects.get(year=2026).epsilon_total
        assert Decimal(0) <= stored <= Decimal(10)


def test_a_release_gives_its_noisy_figures_with_the_epsilon_spent(
    dp_release_2024: Any, login: Any
) -> None:
    response = login("national_analyst", None).get(f"{RELEASES}{dp_release_2024.pk}/dp-figures/")
    assert response.status_code == 200
    body = response.json()
    assert (body["release"], body["epsilon"], body["budget_year"]) == (
        dp_release_2024.pk,
        "1.000",
        2024,
    )
    assert body["rules"]["mechanism"] == "discrete_laplace"
    assert body["rules"]["epsilon_composed"] <= 1
    assert len(body["figures"]) == DpFigure.objects.filter(release=dp_release_2024).count()
    assert [level["level"] for level in body["rules"]["levels"]] == [
        "france",
        "region",
        "departement",
    ]
    margins = {level["level"]: level["half_width_95"] for level in body["rules"]["levels"]}
    for figure in body["figures"]:
        assert figure["value"] >= 0
        assert figure["margin_95"] == margins[figure["level"]]
        assert figure["low_95"] == max(0, figure["value"] - figure["margin_95"])
        assert figure["high_95"] == figure["value"] + figure["margin_95"]
    assert {f["indicator"] for f in body["figures"]} == set(NOISED_INDICATORS)
    france = [f for f in body["figures"] if f["level"] == "france"]
    assert len(france) == len(TOTALS) and {f["margin_95"] for f in france} == {45}
    assert {f["dimension"] for f in body["figures"] if f["level"] == "departement"} == {
        dimension for _, dimension in BREAKDOWNS
    }
    # The banded figures of the same release carry no noisy value and no ε.
    banded = login("national_analyst", None).get(f"{RELEASES}{dp_release_2024.pk}/figures/")
    assert all(f["disclosure"] != "noisy" for f in banded.json()["results"])


def test_a_release_without_noisy_figures_is_a_404(release_2024: Any, login: Any) -> None:
    response = login("national_analyst", None).get(f"{RELEASES}{release_2024.pk}/dp-figures/")
    error_of(response, 404, "not_found")


def test_the_noisy_figures_cost_constant_queries(dp_release_2024: Any, login: Any) -> None:
    client = login("national_analyst", None)
    url = f"{RELEASES}{dp_release_2024.pk}/dp-figures/"
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    spend = PrivacySpend.objects.get()
    DpFigure.objects.bulk_create(
        DpFigure(
            spend=spend,
            release=dp_release_2024,
            level="departement",
            code=code,
            indicator="exits",
            value=3,
        )
        for code in ("01", "02", "03", "04")
    )
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    assert len(second) == len(first)
