"""The seeding of the national figures of 2022–2024 and what the releases compute from it."""

from __future__ import annotations

import datetime as dt

from infra.dev.seeding.national import (
    SEED_ASSOCIATION_RNA,
    distribution_2024,
    national_figures_seed,
)
from parcours.referentiel.models import Departement
from parcours.reporting.models import Release
from tenants.casework.crypto import decrypt_json
from tenants.casework.models import Person


def test_the_2024_distribution_matches_the_published_national_figures(db: None, base: None) -> None:
    codes = list(Departement.objects.order_by("sort_key").values_list("code", flat=True))
    assert len(codes) == 101
    counts = distribution_2024(codes=codes)
    assert sum(counts.values()) == 903
    assert len([n for n in counts.values() if n]) == 67
    assert {k: counts[k] for k in ("75", "69", "13", "38", "31")} == {
        "75": 148,
        "69": 89,
        "13": 49,
        "38": 39,
        "31": 39,
    }
    bands = {
        "1–5": sum(1 for n in counts.values() if 1 <= n <= 5),
        "6–10": sum(1 for n in counts.values() if 6 <= n <= 10),
        "11–20": sum(1 for n in counts.values() if 11 <= n <= 20),
        "> 20": sum(1 for n in counts.values() if n > 20),
    }
    # The sources' bands hold 63 départements, not 67: the 4 left out are put in 1–5.
    assert bands == {"1–5": 26 + 4, "6–10": 16, "11–20": 9, "> 20": 12}


def test_seeding_is_idempotent(seeded) -> None:
    again = national_figures_seed(distribution=seeded)
    assert again.seeded == {} and sorted(again.skipped) == ["13", "31", "75"]


def test_seeded_identities_are_encrypted_like_any_other(seeded, tenant31) -> None:
    from parcours.db import connection

    connection.set_tenant(tenant31)
    person = Person.objects.order_by("pseudonym").first()
    assert person is not None and person.association.rna == SEED_ASSOCIATION_RNA
    assert "Exemple" not in person.identity_encrypted
    identity = decrypt_json(
        person.identity_encrypted, purpose=f"person:{person.pseudonym}:identity"
    )
    assert identity["last_name"].startswith("Exemple")


def test_a_departement_not_provisioned_is_reported(db: None, base: None) -> None:
    result = national_figures_seed(distribution={"31": 2, "69": 5})
    assert result.seeded == {"31": 2} and result.not_provisioned == ["69"]


def test_the_demo_releases_are_computed_once(db: None, base: None, monkeypatch) -> None:
    from infra.dev.seeding import national as seeding
    from parcours.reporting.models import PrivacySpend

    monkeypatch.setattr(
        seeding, "distribution_2024", lambda *, codes: {"31": 12, "75": 20, "13": 2}
    )
    assert seeding.demo_release_ensure() is True
    assert seeding.demo_release_ensure() is False
    # Three years for the trends, and the four quarters of 2024.
    assert sorted(Release.objects.values_list("period_kind", "period_start")) == [
        ("quarter", dt.date(2024, 1, 1)),
        ("quarter", dt.date(2024, 4, 1)),
        ("quarter", dt.date(2024, 7, 1)),
        ("quarter", dt.date(2024, 10, 1)),
        ("year", dt.date(2022, 1, 1)),
        ("year", dt.date(2023, 1, 1)),
        ("year", dt.date(2024, 1, 1)),
    ]
    year_2024 = Release.objects.get(period_kind="year", period_start=dt.date(2024, 1, 1))
    persons = year_2024.figures.get(level="france", indicator="persons_in_pathway", dimension="")
    assert persons.shown == "33–37"  # 12 + 20 + 13's 1–5: an exact 34 would undo its band
    # The demo shows a noisy release too (2024's), and spent its ε once only.
    [spend] = PrivacySpend.objects.all()
    assert (spend.status, str(spend.epsilon)) == ("spent", "1.000")
    assert year_2024.dp_figures.exists()
    assert not Release.objects.exclude(pk=year_2024.pk).filter(dp_figures__isnull=False).exists()
