"""api/views/national.py: a provisioning request names at most every département, and its
refusal stays short whatever it sent."""

from __future__ import annotations

import pytest

from parcours.departements.models import Tenant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

PROVISION = "/api/v1/departements/provision/"


def test_a_hundred_thousand_codes_are_refused_in_one_short_sentence(
    login, django_capture_on_commit_callbacks
) -> None:
    tenants = Tenant.objects.count()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = login("national_operator", None).post(
            PROVISION, {"codes": ["999"] * 100_000}, content_type="application/json"
        )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["codes"] == [
        "Trop de codes : une demande porte sur 101 départements au plus."
    ]
    assert len(response.content) < 1_000
    assert callbacks == []
    assert Tenant.objects.count() == tenants


def test_many_unknown_codes_are_named_a_few_at_a_time(login) -> None:
    # 900 to 998: 94 unknown codes, and the five overseas départements (971 to 976).
    codes = ["2A", *[f"{i:03d}" for i in range(900, 999)]]
    response = login("national_operator", None).post(
        PROVISION, {"codes": codes}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["codes"] == [
        "Code(s) de département inconnu(s) : 900, 901, 902, 903, 904 et 89 autre(s)"
    ]
