"""The codes a provisioning request names: at most every département, and a refusal that stays a
sentence whatever was sent (it once echoed 100,000 codes, over 64 KB)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parcours.departements.provisioning import (
    MAX_CODES,
    ProvisioningError,
    validate_codes,
)
from parcours.departements.services import departement_provision_request


def test_more_codes_than_departements_are_refused_before_they_are_read(
    base: None, db: None
) -> None:
    with CaptureQueriesContext(connection) as queries, pytest.raises(ProvisioningError) as refused:
        validate_codes(codes=["999"] * 100_000)
    assert str(refused.value) == "Trop de codes : une demande porte sur 101 départements au plus."
    assert len(queries) == 0


def test_every_departement_at_once_is_still_accepted(base: None, db: None) -> None:
    from parcours.referentiel.models import Departement

    codes = list(Departement.objects.values_list("code", flat=True))
    assert len(codes) == MAX_CODES
    assert sorted(validate_codes(codes=codes)) == sorted(codes)


def test_a_refusal_names_a_few_unknown_codes_each_cut_short(base: None, db: None) -> None:
    codes = ["2A", *[f"X{i}" for i in range(60)], "Z" * 1_000, "X0"]
    with pytest.raises(ProvisioningError) as refused:
        validate_codes(codes=codes)
    assert str(refused.value) == (
        "Code(s) de département inconnu(s) : X0, X1, X2, X3, X4 et 56 autre(s)"
    )
    with pytest.raises(ProvisioningError) as refused:
        validate_codes(codes=["2A", "Z" * 1_000])
    assert str(refused.value) == "Code(s) de département inconnu(s) : ZZZZZ…"


def test_the_request_is_refused_whole_and_audits_nothing(
    base: None, db: None, django_capture_on_commit_callbacks
) -> None:
    from parcours.audit.models import AuditEvent

    before = AuditEvent.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(ProvisioningError, match="Trop de codes"),
    ):
        departement_provision_request(codes=["2A"] * (MAX_CODES + 1), actor_id=1)
    assert callbacks == []
    assert AuditEvent.objects.count() == before
