"""A role that may not do something gets 403 with the reason, and nothing is written.

Inside its own département a person is known and signed in: refusing their role is a 403, not
a 400 (a rule of the procedure) nor a 404 (a resource they cannot see).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from tenants.casework.models import Dossier, Person, Right
from tests.api.test_casework import API, error_of, in_31, plain_dossier, post_json, ready_dossier
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_the_prefet_submitting_a_file_is_a_403(media: Any) -> None:
    dossier = ready_dossier()
    response = post_json(
        client_for("prefet", "31"), f"{API}/dossiers/{dossier.pk}/transitions/submit/", {}
    )
    error = error_of(response, 403, "permission_denied")
    assert "réservé" in error["message"]
    assert in_31(lambda: Dossier.objects.get(pk=dossier.pk).state) == "draft"


def test_the_association_authorising_is_a_403(media: Any) -> None:
    dossier = plain_dossier()
    response = post_json(
        client_for("association_worker", "31"),
        f"{API}/dossiers/{dossier.pk}/transitions/authorise/",
        {"data": {"start_on": timezone.localdate().isoformat()}},
    )
    # From a draft the transition is not possible at all: the state is checked first (400);
    # what matters is that no association can ever decide.
    assert response.status_code in {400, 403}
    assert in_31(lambda: Dossier.objects.get(pk=dossier.pk).decision) in {None, ""}


def test_the_coordination_opening_a_file_for_a_person_is_a_403() -> None:
    before = in_31(lambda: Person.objects.count())
    response = post_json(
        client_for("coordinator", "31"),
        f"{API}/persons/",
        {"identity": {"last_name": "Doe", "first_name": "Jane"}},
    )
    error_of(response, 403, "permission_denied")
    assert in_31(lambda: Person.objects.count()) == before


def test_the_prefet_reads_a_persons_rights_and_is_refused_their_update_with_a_403() -> None:
    dossier = plain_dossier()
    prefet = client_for("prefet", "31")
    assert prefet.get(f"{API}/persons/{dossier.person_id}/rights/").status_code == 200
    response = post_json(
        prefet,
        f"{API}/persons/{dossier.person_id}/rights/",
        {"right_type": "aps", "status": "requested", "on": timezone.localdate().isoformat()},
    )
    error_of(response, 403, "permission_denied")
    assert not in_31(lambda: Right.objects.filter(person_id=dossier.person_id).exists())


def test_the_national_analyst_setting_the_privacy_budget_is_a_403() -> None:
    from parcours.reporting.models import PrivacyBudget

    response = client_for("national_analyst", None).put(
        "/api/v1/statistics/privacy-budgets/2025/",
        {"epsilon_total": "9"},
        content_type="application/json",
    )
    error_of(response, 403, "permission_denied")
    assert not PrivacyBudget.objects.exists()


@pytest.mark.parametrize("role", ["coordinator", "prefet", "association_worker", "member"])
def test_retention_is_the_dpos_alone_a_dry_run_asked_by_another_role_is_a_403(role: str) -> None:
    from tenants.retention.models import Sweep

    response = post_json(client_for(role, "31"), f"{API}/retention/sweeps/", {})
    error_of(response, 403, "permission_denied")
    assert not in_31(lambda: Sweep.objects.exists())


def test_the_dpo_rectifying_an_identity_is_a_403_and_nothing_changes() -> None:
    from tenants.privacy.models import IdentityRevision

    dossier = plain_dossier()
    before = in_31(lambda: Person.objects.get(pk=dossier.person_id).identity_encrypted)
    response = post_json(
        client_for("dpo", "31"),
        f"{API}/persons/{dossier.person_id}/identity/",
        {"changes": {"last_name": "Autre"}, "reason": "Essai"},
    )
    assert response.status_code == 403
    assert in_31(lambda: Person.objects.get(pk=dossier.person_id).identity_encrypted) == before
    assert not in_31(lambda: IdentityRevision.objects.exists())


def test_the_prefet_asking_for_an_access_export_is_a_403_and_nothing_is_queued(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from tenants.privacy.models import AccessExport

    dossier = plain_dossier()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for("prefet", "31").post(
            f"{API}/persons/{dossier.person_id}/access-exports/"
        )
    error_of(response, 403, "permission_denied")
    assert not callbacks
    assert not in_31(lambda: AccessExport.objects.exists())


def test_the_coordination_reading_the_audit_trail_is_a_403_and_leaves_no_search() -> None:
    from parcours.audit.models import AuditEvent

    response = client_for("coordinator", "31").get(f"{API}/audit/events/")
    error_of(response, 403, "permission_denied")
    assert not in_31(lambda: AuditEvent.objects.filter(action="audit.trail_read").exists())


def test_the_national_analyst_resetting_a_second_factor_is_a_403() -> None:
    from parcours.accounts.mfa import has_device
    from parcours.accounts.models import User
    from tests.conftest import People

    agent = People.email("coordinator", "31")
    response = client_for("national_analyst", None).post(
        "/api/v1/accounts/mfa-reset/",
        {"email": agent, "reason": "Téléphone perdu"},
        content_type="application/json",
    )
    error_of(response, 403, "permission_denied")
    assert has_device(user=User.objects.get(email=agent))
