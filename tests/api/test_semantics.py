"""Write semantics the API promises: repeats change nothing, updates change only what is sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from parcours.associations.models import Association
from parcours.workflows.models import WorkflowVariant
from tests.api.test_casework import API, in_31, plain_dossier, post_json
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]


def test_a_repeated_identical_workflow_put_creates_no_new_variant() -> None:
    coordinator = client_for("coordinator", "31")
    body = {"adjustments": {"deadlines": {"period_end_warning_days": 45}}}
    first = coordinator.put(f"{API}/workflow/", body, content_type="application/json")
    assert first.status_code == 200, first.content[:300]
    count = WorkflowVariant.objects.filter(tenant__code="31").count()
    second = coordinator.put(f"{API}/workflow/", body, content_type="application/json")
    assert second.status_code == 200
    assert WorkflowVariant.objects.filter(tenant__code="31").count() == count
    assert second.json() == first.json()


def test_an_association_is_updated_with_its_own_rna() -> None:
    association = Association.objects.get(rna="W313000099")
    operator = client_for("national_operator", None)
    current = operator.get(f"{API}/associations/{association.pk}/").json()
    response = operator.put(
        f"{API}/associations/{association.pk}/",
        {**current, "name": "Association A (renommée)"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content[:300]
    association.refresh_from_db()
    assert association.name == "Association A (renommée)"


def _action(worker: Any, dossier_id: int, due_on: dt.date) -> dict[str, Any]:
    response = post_json(
        worker,
        f"{API}/dossiers/{dossier_id}/project/actions/",
        {"domain": "logement", "description": "Dossier DALO", "due_on": due_on.isoformat()},
    )
    assert response.status_code == 200, response.content[:300]
    return response.json()


def test_a_status_only_update_keeps_the_due_date_and_the_actions_read_back() -> None:
    dossier = plain_dossier()
    worker = client_for("association_worker", "31")
    due_on = timezone.localdate() + dt.timedelta(days=30)
    action = _action(worker, dossier.pk, due_on)
    url = f"{API}/dossiers/{dossier.pk}/project/actions/{action['id']}/"

    patched = worker.patch(url, {"status": "done"}, content_type="application/json")

    assert patched.status_code == 200, patched.content[:300]
    assert patched.json()["status"] == "done"
    assert patched.json()["due_on"] == due_on.isoformat()
    assert patched.json()["description"] == "Dossier DALO"
    listed = worker.get(f"{API}/dossiers/{dossier.pk}/project/actions/").json()
    assert [(a["id"], a["status"], a["due_on"]) for a in listed] == [
        (action["id"], "done", due_on.isoformat())
    ]
    assert worker.get(url).json()["status"] == "done"
    # The coordination reads them too; it does not write them.
    coordinator = client_for("coordinator", "31")
    assert coordinator.get(url).status_code == 200
    assert (
        coordinator.patch(url, {"status": "planned"}, content_type="application/json").status_code
        == 403
    )
    assert in_31(lambda: dossier.pk)


def test_an_action_of_another_file_is_not_found() -> None:
    dossier = plain_dossier()
    other = plain_dossier("Autre")
    worker = client_for("association_worker", "31")
    action = _action(worker, dossier.pk, timezone.localdate())
    url = f"{API}/dossiers/{other.pk}/project/actions/{action['id']}/"
    assert worker.get(url).status_code == 404
    assert worker.patch(url, {"status": "done"}, content_type="application/json").status_code == 404
