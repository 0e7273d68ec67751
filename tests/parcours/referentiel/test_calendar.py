"""Public holidays by département and the last day of a délai franc (no database needed)."""

from __future__ import annotations

import datetime as dt

import pytest

from parcours.referentiel.calendar import delai_franc_last_day, is_working_day, public_holidays

D = dt.date


def test_the_eleven_national_holidays_of_2026() -> None:
    assert public_holidays(year=2026, departement_code="31") == {
        D(2026, 1, 1),
        D(2026, 4, 6),  # lundi de Pâques (Easter: 5 April)
        D(2026, 5, 1),
        D(2026, 5, 8),
        D(2026, 5, 14),  # Ascension
        D(2026, 5, 25),  # lundi de Pentecôte
        D(2026, 7, 14),
        D(2026, 8, 15),
        D(2026, 11, 1),
        D(2026, 11, 11),
        D(2026, 12, 25),
    }


@pytest.mark.parametrize("code", ["57", "67", "68"])
def test_alsace_moselle_adds_good_friday_and_26_december(code: str) -> None:
    extra = public_holidays(year=2026, departement_code=code) - public_holidays(
        year=2026, departement_code="75"
    )
    assert extra == {D(2026, 4, 3), D(2026, 12, 26)}


@pytest.mark.parametrize(
    ("code", "day"),
    [
        ("971", D(2026, 5, 27)),
        ("972", D(2026, 5, 22)),
        ("973", D(2026, 6, 10)),
        ("974", D(2026, 12, 20)),
        ("976", D(2026, 4, 27)),
    ],
)
def test_overseas_départements_add_the_abolition_of_slavery(code: str, day: D) -> None:
    assert day in public_holidays(year=2026, departement_code=code)
    assert day not in public_holidays(year=2026, departement_code="13")


@pytest.mark.parametrize(("code", "off"), [("971", True), ("972", True), ("973", False)])
def test_21_july_is_off_in_guadeloupe_and_martinique(code: str, off: bool) -> None:
    assert (D(2026, 7, 21) in public_holidays(year=2026, departement_code=code)) is off


def test_weekends_and_holidays_are_not_working_days() -> None:
    assert is_working_day(D(2026, 11, 27), departement_code="31")  # a Friday
    assert not is_working_day(D(2026, 11, 28), departement_code="31")  # Saturday
    assert not is_working_day(D(2026, 11, 11), departement_code="31")
    assert is_working_day(D(2026, 12, 26), departement_code="2A") is False  # a Saturday anyway
    assert not is_working_day(D(2025, 12, 26), departement_code="67")
    assert is_working_day(D(2025, 12, 26), departement_code="69")


@pytest.mark.parametrize(
    ("start", "code", "last_day"),
    [
        (D(2025, 10, 25), "69", D(2025, 12, 26)),  # 25 December + 1: a working Friday in Lyon
        (D(2025, 10, 25), "67", D(2025, 12, 29)),  # …a holiday in Strasbourg, then a weekend
        (D(2026, 2, 26), "75", D(2026, 4, 27)),
        (D(2026, 2, 26), "976", D(2026, 4, 28)),  # 27 April in Mayotte
        (D(2026, 3, 31), "31", D(2026, 6, 1)),  # 31 May, +1 is a Monday
    ],
)
def test_the_last_day_of_a_delai_franc(start: D, code: str, last_day: D) -> None:
    assert delai_franc_last_day(start=start, months=2, departement_code=code) == last_day
