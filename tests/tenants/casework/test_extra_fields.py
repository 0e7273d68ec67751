"""A département's complementary fields: declared by JSON Schema, filled by the association,
required before submission, and new files only (a file keeps the rules it started with)."""

from __future__ import annotations

import pytest

from parcours.workflows.services import current_template, workflow_variant_save
from tenants.casework.services import (
    CaseworkError,
    TransitionRequest,
    dossier_extra_record,
    dossier_transition,
)
from tests.tenants.casework.conftest import prepare

SCHEMA = {
    "type": "object",
    "properties": {
        "orientation": {
            "type": "string",
            "title": "Orienté·e par",
            "enum": ["115", "hopital", "police"],
        },
        "hebergee": {"type": "boolean", "title": "Hébergée au dépôt"},
    },
    "required": ["orientation"],
    "additionalProperties": False,
}


@pytest.fixture
def with_extra_fields(in31):  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    workflow_variant_save(
        tenant=coordinator.tenant,
        template=current_template(code="psp"),
        adjustments={"extra_fields": SCHEMA},
        actor_id=coordinator.user_id,
    )
    from parcours.db import connection

    connection.set_tenant(coordinator.tenant)
    return in31


def test_submission_waits_for_the_required_complementary_fields(with_extra_fields) -> None:  # type: ignore[no-untyped-def]
    worker = with_extra_fields("association_worker")
    dossier = prepare(worker)
    with pytest.raises(CaseworkError, match="orientation"):
        dossier_transition(
            access=worker, dossier_id=dossier.pk, request=TransitionRequest(name="submit", data={})
        )
    dossier_extra_record(
        access=worker, dossier_id=dossier.pk, values={"orientation": "115", "hebergee": True}
    )
    submitted = dossier_transition(
        access=worker, dossier_id=dossier.pk, request=TransitionRequest(name="submit", data={})
    )
    assert submitted.state == "submitted"
    assert submitted.extra == {"orientation": "115", "hebergee": True}


@pytest.mark.parametrize(
    ("values", "field"),
    [({"orientation": "ailleurs"}, "orientation"), ({"hebergee": "oui"}, "hebergee")],
)
def test_values_outside_the_schema_are_refused_by_field(with_extra_fields, values, field) -> None:  # type: ignore[no-untyped-def]
    worker = with_extra_fields("association_worker")
    dossier = prepare(worker)
    with pytest.raises(CaseworkError) as refusal:
        dossier_extra_record(access=worker, dossier_id=dossier.pk, values=values)
    assert field in refusal.value.fields
    dossier.refresh_from_db()
    assert dossier.extra == {}


def test_unknown_fields_are_refused(with_extra_fields) -> None:  # type: ignore[no-untyped-def]
    worker = with_extra_fields("association_worker")
    dossier = prepare(worker)
    with pytest.raises(CaseworkError, match="inconnus"):
        dossier_extra_record(access=worker, dossier_id=dossier.pk, values={"nom_de_naissance": "x"})


def test_the_page_builds_the_form_from_the_schema(
    with_extra_fields, login, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    dossier = prepare(with_extra_fields("association_worker"))
    from parcours.db import connection

    connection.set_schema_to_public()
    client = login("association_worker", "31")
    page = client.get(f"/dossiers/{dossier.pk}/champs/")
    assert page.status_code == 200
    assert "Orienté·e par" in page.content.decode()
    assert (
        client.post(f"/dossiers/{dossier.pk}/champs/", {"orientation": "hopital"}).status_code
        == 302
    )
