"""The département's own figures beside the published ones (frontend/views/pilotage.py)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

PAGE = "/pilotage/statistiques/"


def _cells(page: str, label: str) -> list[str]:
    row = re.search(rf"<th scope=\"row\">{re.escape(label)}</th>(.*?)</tr>", page, re.S)
    assert row, label
    return re.findall(r"<td>(.*?)</td>", row.group(1))


def test_the_coordination_sees_its_exact_figures_beside_the_published_ones(
    seeded: dict[str, int], release_2024: Any
) -> None:
    response = client_for("coordinator", "31").get(PAGE)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    exact, here, region, france = _cells(page, "Personnes en parcours de sortie")
    assert int(exact) == seeded["31"] == 39
    assert here == "39"  # at least k: published exactly
    assert region == "39"  # the only seeded département of Occitanie
    assert france == "188–192"  # 39 + 148 + Bouches-du-Rhône's 1–5, as published
    assert "Occitanie" in page


def test_without_a_publication_the_page_says_so(base: None) -> None:
    response = client_for("prefet", "31").get(PAGE)
    assert response.status_code == 200
    assert "Aucune publication nationale" in html.unescape(response.content.decode())


@pytest.mark.parametrize("role", ["member", "dpo", "association_worker"])
def test_only_the_coordination_and_the_prefet_see_it(role: str) -> None:
    assert client_for(role, "31").get(PAGE).status_code == 403


def test_the_page_costs_a_bounded_number_of_queries(release_2024: Any) -> None:
    client = client_for("coordinator", "31")
    client.get(PAGE)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PAGE).status_code == 200
    assert len(queries) <= 40


def test_the_page_decrypts_no_identity_for_its_totals(
    seeded: dict[str, int], release_2024: Any
) -> None:
    from parcours.audit.models import AuditEvent
    from parcours.db import connection as tenant_connection
    from parcours.departements.models import Tenant

    assert client_for("coordinator", "31").get(PAGE).status_code == 200
    tenant_connection.set_tenant(Tenant.objects.get(code="31"))
    # Only the release's own extraction read identities; viewing the totals read none.
    assert AuditEvent.objects.filter(action="statistics.identities_counted").count() == 1
    tenant_connection.set_schema_to_public()
