"""parcours/referentiel/services.py: loading the shipped reference data, dated legal values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from parcours.audit.models import AuditEvent
from parcours.referentiel.models import (
    Departement,
    LegalParameter,
    NomenclatureItem,
    NomenclatureKind,
    Region,
)
from parcours.referentiel.services import (
    LoadSummary,
    legal_parameter_add,
    nomenclature_item_update,
    referentiel_load,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

ACTOR = 4242


def _counts() -> tuple[int, int, int, int]:
    return (
        Region.objects.count(),
        Departement.objects.count(),
        NomenclatureItem.objects.count(),
        LegalParameter.objects.count(),
    )


def _last_public_event_id() -> int:
    with schema_context("public"):
        return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _public_events_after(last_id: int) -> list[AuditEvent]:
    with schema_context("public"):
        return list(AuditEvent.objects.filter(id__gt=last_id).order_by("id"))


# --- referentiel_load ---------------------------------------------------------------------


def test_load_is_idempotent() -> None:
    before = _counts()
    last = _last_public_event_id()

    summary = referentiel_load()

    assert summary == LoadSummary(
        regions=18, departements=101, nomenclature_items=0, legal_parameters=0
    )
    assert _counts() == before
    assert _public_events_after(last) == []


def test_load_restores_what_is_missing_and_audits_it() -> None:
    NomenclatureItem.objects.filter(kind=NomenclatureKind.NATIONALITY, code="DEU").delete()
    LegalParameter.objects.filter(key="psp_period_months").delete()
    last = _last_public_event_id()

    summary = referentiel_load()

    assert (summary.nomenclature_items, summary.legal_parameters) == (1, 1)
    assert NomenclatureItem.objects.get(kind="nationality", code="DEU").label == "Allemagne"
    assert LegalParameter.objects.get(key="psp_period_months").value == Decimal("6")
    [event] = _public_events_after(last)
    assert event.action == "referentiel.loaded"
    assert event.data == {"nomenclature_items": 1, "legal_parameters": 1}


def test_load_never_changes_an_existing_legal_value() -> None:
    LegalParameter.objects.filter(key="psp_period_months").update(value=Decimal("7"))

    referentiel_load()

    assert LegalParameter.objects.get(key="psp_period_months").value == Decimal("7")


def test_load_restores_a_departement_name_and_region() -> None:
    Departement.objects.filter(code="31").update(
        name="Renommé", region=Region.objects.get(code="11")
    )

    referentiel_load()

    departement = Departement.objects.select_related("region").get(code="31")
    assert (departement.name, departement.region.name) == ("Haute-Garonne", "Occitanie")


def test_departements_are_the_101_in_insee_order() -> None:
    codes = list(Departement.objects.values_list("code", flat=True))

    assert len(codes) == 101
    assert codes[0] == "01"
    assert codes[-1] == "976"
    assert codes[codes.index("19") + 1 : codes.index("19") + 4] == ["2A", "2B", "21"]
    assert codes[-6:] == ["95", "971", "972", "973", "974", "976"]
    assert "20" not in codes and "975" not in codes


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("01", "001 "),
        ("19", "019 "),
        ("2A", "020A"),
        ("2B", "020B"),
        ("21", "021 "),
        ("976", "976 "),
    ],
)
def test_departement_sort_key_follows_insee_order(code: str, key: str) -> None:
    assert Departement.order_key(code) == key
    assert Departement.objects.get(code=code).sort_key == key


@pytest.mark.parametrize(
    ("code", "label", "alpha_2"),
    [
        ("DEU", "Allemagne", "DE"),
        ("FRA", "France", "FR"),
        ("GBR", "Royaume-Uni", "GB"),
        ("CIV", "Côte d'Ivoire", "CI"),
        ("ROU", "Roumanie", "RO"),
        ("ESP", "Espagne", "ES"),
    ],
)
def test_nationalities_have_french_labels(code: str, label: str, alpha_2: str) -> None:
    item = NomenclatureItem.objects.get(kind=NomenclatureKind.NATIONALITY, code=code)

    assert item.label == label
    assert item.attributes == {"alpha_2": alpha_2}
    assert item.source == "ISO 3166-1 (pycountry)"


def test_every_iso_country_is_a_nationality() -> None:
    import pycountry

    codes = set(
        NomenclatureItem.objects.filter(kind=NomenclatureKind.NATIONALITY).values_list(
            "code", flat=True
        )
    )

    assert codes == {country.alpha_3 for country in pycountry.countries}


def test_shipped_nomenclature_keeps_its_documented_attributes() -> None:
    college = NomenclatureItem.objects.get(kind="college", code="protection_enfance")

    assert college.attributes == {"sits_on_individual_files": False}


# --- legal_parameter_add ------------------------------------------------------------------

VALID: dict[str, Any] = {
    "key": "afis_monthly_amount",
    "value": Decimal("350.00"),
    "effective_from": dt.date(2026, 4, 1),
    "source": "Décret de revalorisation (test)",
    "confidence": "C",
    "territory": "",
    "actor_id": ACTOR,
}


def test_add_records_a_dated_value_with_the_unit_and_label_of_the_parameter() -> None:
    last = _last_public_event_id()

    parameter = legal_parameter_add(**VALID)

    parameter.refresh_from_db()
    assert (parameter.value, parameter.unit, parameter.label) == (
        Decimal("350.00"),
        "EUR",
        "Montant mensuel de l'AFIS (personne seule)",
    )
    [event] = _public_events_after(last)
    assert (event.action, event.actor_id, event.object_id) == (
        "referentiel.legal_parameter_added",
        ACTOR,
        str(parameter.pk),
    )
    assert event.data["previous_value"] == "343.20"


@pytest.mark.parametrize(
    ("territory", "label", "previous"),
    [
        ("976", "Montant mensuel de l'AFIS à Mayotte", "165.00"),
        ("974", "Montant mensuel de l'AFIS (personne seule)", "343.20"),  # no own value yet
    ],
)
def test_add_for_a_territory_continues_its_own_row_else_the_national_one(
    territory: str, label: str, previous: str
) -> None:
    last = _last_public_event_id()

    parameter = legal_parameter_add(**{**VALID, "territory": territory})

    assert (parameter.territory, parameter.label) == (territory, label)
    [event] = _public_events_after(last)
    assert event.data["previous_value"] == previous


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"key": "parametre_inconnu"}, "key", "Paramètre légal inconnu."),
        ({"value": Decimal("-0.01")}, "value", "La valeur ne peut pas être négative."),
        ({"confidence": "Z"}, "confidence", "Niveau de confiance inconnu."),
        (
            {"effective_from": dt.date(2022, 7, 1)},
            "effective_from",
            "Une valeur existe déjà à cette date d'effet pour ce paramètre.",
        ),
        (
            {"territory": "976", "effective_from": dt.date(2017, 4, 15)},
            "effective_from",
            "Une valeur existe déjà à cette date d'effet pour ce paramètre.",
        ),
    ],
    ids=[
        "unknown-key",
        "negative",
        "unknown-confidence",
        "duplicate-date",
        "duplicate-territory-date",
    ],
)
def test_add_refuses_an_invalid_value_and_writes_nothing(
    change: dict[str, Any], field: str, message: str
) -> None:
    before = LegalParameter.objects.count()
    last = _last_public_event_id()

    with pytest.raises(ValidationError) as refused:
        legal_parameter_add(**{**VALID, **change})

    assert refused.value.message_dict == {field: [message]}
    assert LegalParameter.objects.count() == before
    assert _public_events_after(last) == []


def test_add_refuses_an_unknown_territory() -> None:
    before = LegalParameter.objects.count()

    with pytest.raises(ValidationError):
        legal_parameter_add(**{**VALID, "territory": "ZZZ"})

    assert LegalParameter.objects.count() == before


# --- nomenclature_item_update -------------------------------------------------------------


def test_item_update_strips_the_label_and_audits_before_and_after() -> None:
    item = NomenclatureItem.objects.get(kind="need_domain", code="sante")
    last = _last_public_event_id()

    updated = nomenclature_item_update(
        item=item, label="  Santé physique  ", is_active=False, actor_id=ACTOR
    )

    item.refresh_from_db()
    assert (item.label, item.is_active) == ("Santé physique", False)
    assert updated.pk == item.pk
    [event] = _public_events_after(last)
    assert event.action == "referentiel.nomenclature_item_updated"
    assert event.data == {
        "before": {"label": "Santé", "is_active": True},
        "after": {"label": "Santé physique", "is_active": False},
    }


@pytest.mark.parametrize("label", ["", "   "])
def test_item_update_refuses_an_empty_label(label: str) -> None:
    item = NomenclatureItem.objects.get(kind="need_domain", code="sante")
    last = _last_public_event_id()

    with pytest.raises(ValidationError) as refused:
        nomenclature_item_update(item=item, label=label, is_active=True, actor_id=ACTOR)

    assert refused.value.message_dict == {"label": ["Le libellé est obligatoire."]}
    item.refresh_from_db()
    assert item.label == "Santé"
    assert _public_events_after(last) == []
