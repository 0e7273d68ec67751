"""Public holidays by département, and the last day of a délai franc.

Why a module of our own: deadlines to appeal a préfet's decision count in whole days, and a
deadline that falls on a Saturday, a Sunday or a public holiday moves to the next working day
(Code de procédure civile art. 642, applied by the administrative courts). Which days are
holidays depends on the département:

- everywhere, the eleven of the Code du travail (L.3133-1), Easter Monday, Ascension and Whit
  Monday included;
- in Alsace-Moselle (57, 67, 68), Good Friday and 26 December as well (L.3134-13);
- in the overseas départements, the day of the abolition of slavery (loi 83-550, décret
  83-1003): Guadeloupe 27 May, Martinique 22 May, Guyane 10 June, La Réunion 20 December,
  Mayotte 27 April; and in Guadeloupe and Martinique, 21 July (fête de Victor Schœlcher),
  a day off there: art. 642 covers days "chômés" as well as legal holidays.
"""

from __future__ import annotations

import datetime as dt
import functools

from dateutil.easter import easter
from dateutil.relativedelta import relativedelta

ALSACE_MOSELLE = frozenset({"57", "67", "68"})
ABOLITION_OF_SLAVERY = {
    "971": (5, 27),
    "972": (5, 22),
    "973": (6, 10),
    "974": (12, 20),
    "976": (4, 27),
}
VICTOR_SCHOELCHER = frozenset({"971", "972"})


@functools.cache
def public_holidays(*, year: int, departement_code: str) -> frozenset[dt.date]:
    code = departement_code.strip().upper()
    easter_sunday = easter(year)
    days = {
        dt.date(year, 1, 1),
        easter_sunday + dt.timedelta(days=1),  # lundi de Pâques
        dt.date(year, 5, 1),
        dt.date(year, 5, 8),
        easter_sunday + dt.timedelta(days=39),  # Ascension
        easter_sunday + dt.timedelta(days=50),  # lundi de Pentecôte
        dt.date(year, 7, 14),
        dt.date(year, 8, 15),
        dt.date(year, 11, 1),
        dt.date(year, 11, 11),
        dt.date(year, 12, 25),
    }
    if code in ALSACE_MOSELLE:
        days |= {easter_sunday - dt.timedelta(days=2), dt.date(year, 12, 26)}
    if code in ABOLITION_OF_SLAVERY:
        month, day = ABOLITION_OF_SLAVERY[code]
        days.add(dt.date(year, month, day))
    if code in VICTOR_SCHOELCHER:
        days.add(dt.date(year, 7, 21))
    return frozenset(days)


def is_working_day(day: dt.date, *, departement_code: str) -> bool:
    return day.weekday() < 5 and day not in public_holidays(
        year=day.year, departement_code=departement_code
    )


def delai_franc_last_day(*, start: dt.date, months: int, departement_code: str) -> dt.date:
    """The last day on which an act can still be done, `months` after `start` (a notification).

    The day of the notification is not counted and the delay runs to the same date `months`
    later (the month's last day when that date does not exist); being franc, the act can still
    be done the day after; a Saturday, Sunday or public holiday moves it to the next working day.
    """
    day = start + relativedelta(months=months) + dt.timedelta(days=1)
    while not is_working_day(day, departement_code=departement_code):
        day += dt.timedelta(days=1)
    return day
