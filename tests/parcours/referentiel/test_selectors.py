"""parcours/referentiel/selectors.py: the value in force on a date, the nomenclatures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from parcours.french import french_date
from parcours.referentiel.models import LegalParameter, NomenclatureItem
from parcours.referentiel.selectors import (
    MissingLegalParameter,
    legal_parameter_value,
    nomenclature,
    nomenclature_choices,
    nomenclature_labels,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]


@pytest.mark.parametrize(
    ("key", "on", "territory", "expected"),
    [
        ("afis_monthly_amount", dt.date(2017, 4, 15), "", "330.00"),
        ("afis_monthly_amount", dt.date(2020, 1, 1), "", "330.00"),
        ("afis_monthly_amount", dt.date(2022, 6, 30), "", "330.00"),
        ("afis_monthly_amount", dt.date(2022, 7, 1), "", "343.20"),
        ("afis_monthly_amount", dt.date(2023, 1, 1), "", "343.20"),
        ("afis_monthly_amount", dt.date(2020, 1, 1), "976", "165.00"),
        # The territory's own value wins, even over a newer national one.
        ("afis_monthly_amount", dt.date(2023, 1, 1), "976", "165.00"),
        # A territory without its own value gets the national one.
        ("afis_monthly_amount", dt.date(2023, 1, 1), "31", "343.20"),
        ("afis_child_supplement", dt.date(2023, 1, 1), "976", "106.08"),
        ("psp_period_months", dt.date(2024, 1, 1), "", "6"),
    ],
)
def test_value_in_force_on_a_date(key: str, on: dt.date, territory: str, expected: str) -> None:
    assert legal_parameter_value(key=key, on=on, territory=territory) == Decimal(expected)


def test_territory_value_from_a_later_date_takes_over_on_that_date() -> None:
    LegalParameter.objects.create(
        key="afis_monthly_amount",
        territory="976",
        value=Decimal("171.60"),
        unit="EUR",
        effective_from=dt.date(2024, 1, 1),
        label="AFIS Mayotte",
        source="test",
        confidence="U",
    )

    assert legal_parameter_value(
        key="afis_monthly_amount", on=dt.date(2023, 12, 31), territory="976"
    ) == Decimal("165.00")
    assert legal_parameter_value(
        key="afis_monthly_amount", on=dt.date(2024, 1, 1), territory="976"
    ) == Decimal("171.60")
    assert legal_parameter_value(key="afis_monthly_amount", on=dt.date(2024, 1, 1)) == Decimal(
        "343.20"
    )


@pytest.mark.parametrize(
    ("key", "on", "territory"),
    [
        ("afis_monthly_amount", dt.date(2017, 4, 14), ""),
        ("afis_monthly_amount", dt.date(2016, 1, 1), "976"),
        ("parametre_inconnu", dt.date(2024, 1, 1), ""),
    ],
)
def test_no_value_in_force_raises(key: str, on: dt.date, territory: str) -> None:
    with pytest.raises(MissingLegalParameter) as missing:
        legal_parameter_value(key=key, on=on, territory=territory)

    assert str(missing.value) == f"Aucune valeur de {key} en vigueur le {french_date(on)}"


def test_value_lookup_is_one_query(django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        legal_parameter_value(key="afis_monthly_amount", on=dt.date(2023, 1, 1), territory="976")


def test_nomenclature_is_ordered_by_position() -> None:
    codes = [item.code for item in nomenclature(kind="need_domain")]

    assert codes == ["sante", "social", "professionnel"]


def test_nomenclature_hides_inactive_items_unless_asked() -> None:
    NomenclatureItem.objects.filter(kind="need_domain", code="social").update(is_active=False)

    assert [i.code for i in nomenclature(kind="need_domain")] == ["sante", "professionnel"]
    assert [i.code for i in nomenclature(kind="need_domain", active_only=False)] == [
        "sante",
        "social",
        "professionnel",
    ]


def test_nomenclature_of_an_unknown_kind_is_empty() -> None:
    assert nomenclature(kind="couleur") == []


@pytest.fixture
def fresh_reads(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str], object]:
    """The once-a-minute reads start empty (another test may have filled them)."""
    from parcours.referentiel import selectors

    empty: dict[tuple[str, str], object] = {}
    monkeypatch.setattr(selectors, "_read_at", empty)
    return empty


def test_choices_are_the_active_items_in_order_or_every_item_by_label(fresh_reads) -> None:  # type: ignore[no-untyped-def]
    active = nomenclature_choices(kind="right_type")
    assert active == [(item.code, item.label) for item in nomenclature(kind="right_type")]
    every = nomenclature_choices(kind="nationality", every=True)
    expected = NomenclatureItem.objects.filter(kind="nationality").order_by("label")
    assert every == list(expected.values_list("code", "label"))


def test_choices_and_labels_are_read_once_a_minute(  # type: ignore[no-untyped-def]
    fresh_reads, django_assert_num_queries
) -> None:
    from parcours.referentiel import selectors

    first = nomenclature_choices(kind="right_type")
    labels = nomenclature_labels(kind="right_type")
    NomenclatureItem.objects.filter(kind="right_type").update(label="Renommé")
    with django_assert_num_queries(0):
        assert nomenclature_choices(kind="right_type") == first
        assert nomenclature_labels(kind="right_type") == labels
    # A minute later the edit shows: the reads are made older than that.
    for key, (read_at, value) in list(fresh_reads.items()):
        fresh_reads[key] = (read_at - selectors._LABELS_TTL - 1, value)
    assert {label for _, label in nomenclature_choices(kind="right_type")} == {"Renommé"}
    assert set(nomenclature_labels(kind="right_type").values()) == {"Renommé"}
