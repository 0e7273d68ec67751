"""frontend/templatetags/labels.py: what a page writes instead of a code."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from frontend.templatetags.labels import (
    college_label,
    date_fr,
    datetime_fr,
    nationality,
    period_label,
    role_label,
    unit_fr,
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (dt.date(1991, 6, 15), "15 juin 1991"),
        ("1991-06-15", "15 juin 1991"),  # identities are stored as text
        (dt.date(2026, 5, 1), "1er mai 2026"),
        (None, ""),
        ("", ""),
        ("inconnue", "inconnue"),
    ],
)
def test_date_fr_writes_the_date_in_words(value: object, shown: str) -> None:
    assert date_fr(value) == shown


def test_datetime_fr_writes_local_time() -> None:
    moment = dt.datetime(2026, 12, 14, 9, 5, tzinfo=timezone.get_current_timezone())

    assert datetime_fr(moment) == "14 décembre 2026 à 9 h 05"


def test_nationality_is_the_country_s_french_name() -> None:
    assert nationality("NGA") == "Nigeria"
    assert nationality("DEU") == "Allemagne"
    assert nationality("") == ""
    assert nationality("XXX") == "XXX"  # what was recorded, never hidden


@pytest.mark.parametrize(
    ("kind", "start", "shown"),
    [
        ("year", dt.date(2024, 1, 1), "année 2024"),
        ("quarter", dt.date(2024, 7, 1), "3e trimestre 2024"),
        ("quarter", dt.date(2024, 1, 1), "1er trimestre 2024"),
        ("month", dt.date(2024, 7, 1), "juillet 2024"),
    ],
)
def test_period_label_names_the_period(kind: str, start: dt.date, shown: str) -> None:
    assert period_label(SimpleNamespace(period_kind=kind, period_start=start)) == shown


def test_units_and_roles_in_french() -> None:
    assert unit_fr("months") == "mois" and unit_fr("EUR") == "EUR"
    assert role_label("association_worker") != "association_worker"
    assert role_label("") == ""


@pytest.mark.django_db
def test_college_label_is_the_nomenclature_s_name(base: None) -> None:
    assert college_label("police_securite_publique") == "Police nationale – sécurité publique"
    assert college_label("inconnu") == "inconnu"
