"""A count in the steering figures is a non-negative integer, never a boolean (Python counts
`True` as 1): refused by the domain, hence by the API and the page alike."""

from __future__ import annotations

import pytest

from parcours.db import connection
from parcours.departements.models import Tenant
from tenants.pilotage.models import PeriodFigures
from tenants.pilotage.services import PilotageError, figures_record, is_count


@pytest.mark.parametrize("value", [True, False, -1, 1.0, "3", None])
def test_only_a_non_negative_integer_is_a_count(value: object) -> None:
    assert not is_count(value)
    assert is_count(0) and is_count(3)


def test_the_domain_refuses_a_boolean_count(in31) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PilotageError) as refused:
        figures_record(access=in31("coordinator"), year=2025, values={"buyers_fined": True})
    assert "buyers_fined" in refused.value.fields
    assert not PeriodFigures.objects.filter(year=2025).exists()
    figures_record(access=in31("coordinator"), year=2025, values={"buyers_fined": 1})
    assert PeriodFigures.objects.get(year=2025).buyers_fined == 1


def test_the_api_refuses_a_boolean_count_and_a_boolean_year(in31, login) -> None:  # type: ignore[no-untyped-def]
    connection.set_schema_to_public()
    coordinator = login("coordinator", "31")
    for body, field in (
        ({"year": 2025, "buyers_fined": True}, "buyers_fined"),
        ({"year": True}, "year"),
    ):
        response = coordinator.post(
            "/api/v1/pilotage/figures/", body, content_type="application/json"
        )
        assert response.status_code == 400, response.content[:300]
        assert field in response.json()["error"]["fields"]
    connection.set_tenant(Tenant.objects.get(code="31"))
    assert not PeriodFigures.objects.exists()


def test_the_page_refuses_a_count_that_is_not_digits(in31, login) -> None:  # type: ignore[no-untyped-def]
    connection.set_schema_to_public()
    response = login("coordinator", "31").post(
        "/pilotage/actions/",
        {"kind": "figures", "year": "2025", "buyers_fined": "true"},
        follow=True,
    )
    assert response.status_code == 200
    assert "invalides" in response.content.decode()
    connection.set_tenant(Tenant.objects.get(code="31"))
    assert not PeriodFigures.objects.exists()
