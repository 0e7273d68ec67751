"""Approvals and the national registry through the pages."""

from __future__ import annotations

import html

from parcours.associations.models import Association


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def test_the_operator_registers_an_association_with_checked_numbers(login) -> None:  # type: ignore[no-untyped-def]
    operator = login("national_operator", None)
    bad = operator.post(
        "/associations/",
        {
            "name": "Asso",
            "rna": "123",
            "siret": "12345678901234",
            "head_office": "31",
            "declared_on": "2010-01-01",
        },
    )
    assert bad.status_code == 400
    assert "SIRET invalide" in text(bad) and "W suivi de 9 chiffres" in text(bad)
    good = operator.post(
        "/associations/",
        {
            "name": "Asso du Sud",
            "rna": "W313000555",
            "siret": "73282932000074",
            "head_office": "31",
            "declared_on": "2010-01-01",
        },
    )
    assert good.status_code == 302
    assert Association.objects.filter(rna="W313000555", siret="73282932000074").exists()
    assert login("national_analyst", None).post("/associations/", {"name": "X"}).status_code == 403
    assert "Asso du Sud" in text(login("national_analyst", None).get("/associations/"))


def test_the_coordination_instructs_and_the_prefet_decides(login) -> None:  # type: ignore[no-untyped-def]
    coordinator = login("coordinator", "31")
    association = Association.objects.get(rna="W313000099")
    response = coordinator.post(
        "/agrements/",
        {"association": association.pk, "requested_on": "2026-11-01", "departements": "31, 09"},
    )
    assert response.status_code == 302
    page = text(coordinator.get("/agrements/"))
    assert "Pièces manquantes à demander avant le 1er janvier 2027" in page
    assert "Agrément tacite le 1er mars 2027" in page
    from parcours.db import connection
    from parcours.departements.models import Tenant
    from tenants.agrements.models import Agrement

    connection.set_tenant(Tenant.objects.get(code="31"))
    pk = Agrement.objects.filter(status="requested").latest("id").pk
    connection.set_schema_to_public()
    refused = coordinator.post(
        f"/agrements/{pk}/", {"action": "refuse", "detail": "non"}, follow=True
    )
    assert "motivé" in text(refused)
    prefet = login("prefet", "31")
    prefet.post(f"/agrements/{pk}/", {"action": "approve", "detail": "Arrêté 2026-77"})
    assert "Valable du" in text(prefet.get("/agrements/"))
    assert login("association_worker", "31").get("/agrements/").status_code == 403


def test_registry_approvals_and_figures_through_the_api(login) -> None:  # type: ignore[no-untyped-def]
    operator = login("national_operator", None)
    created = operator.post(
        "/api/v1/associations/",
        {
            "name": "Asso API",
            "rna": "W313000666",
            "siret": "73282932000074",
            "head_office": "31",
            "declared_on": "2012-05-01",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    bad = operator.post(
        "/api/v1/associations/",
        {"name": "X", "rna": "W1", "head_office": "31", "declared_on": "2012-05-01"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "rna" in bad.json()["error"]["fields"]
    coordinator = login("coordinator", "31")
    request = coordinator.post(
        "/api/v1/agrements/",
        {"association": created.json()["id"], "requested_on": "2026-11-02", "departements": ["31"]},
        content_type="application/json",
    )
    assert request.status_code == 201 and request.json()["tacit_approval_on"] == "2027-03-02"
    decision = coordinator.post(
        f"/api/v1/agrements/{request.json()['id']}/actions/",
        {"action": "approve", "on": "2026-11-20", "detail": "Arrêté 2026-31-99"},
        content_type="application/json",
    )
    assert decision.status_code == 200 and decision.json()["valid_until"] == "2029-11-20"
    figures = coordinator.post(
        "/api/v1/pilotage/figures/",
        {"year": 2025, "buyers_fined": 9},
        content_type="application/json",
    )
    assert figures.status_code == 200 and figures.json()["buyers_fined"] == 9
    negative = coordinator.post(
        "/api/v1/pilotage/figures/",
        {"year": 2025, "buyers_fined": -1},
        content_type="application/json",
    )
    assert negative.status_code == 400
    assert login("association_worker", "31").get("/api/v1/agrements/").status_code == 403


def test_the_operator_edits_the_registry_and_approvals_are_renewed(login) -> None:  # type: ignore[no-untyped-def]
    association = Association.objects.get(rna="W313000099")
    operator = login("national_operator", None)
    data = {
        "name": "Association A renommée",
        "rna": "W313000099",
        "head_office": "31",
        "declared_on": "2010-01-01",
    }
    assert operator.post(f"/associations/{association.pk}/", data).status_code == 302
    assert Association.objects.get(pk=association.pk).name == "Association A renommée"
    assert (
        login("national_analyst", None).get(f"/associations/{association.pk}/").status_code == 403
    )

    from parcours.db import connection
    from parcours.departements.models import Tenant
    from tenants.agrements.models import Agrement

    connection.set_tenant(Tenant.objects.get(code="31"))
    current = Agrement.objects.get(association=association, status="approved")
    connection.set_schema_to_public()
    login("coordinator", "31").post(
        f"/agrements/{current.pk}/", {"action": "renew", "on": "2026-11-15"}
    )
    connection.set_tenant(Tenant.objects.get(code="31"))
    renewal = Agrement.objects.get(renewal_of=current)
    assert (renewal.status, renewal.requested_on.isoformat()) == ("requested", "2026-11-15")
