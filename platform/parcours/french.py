"""Dates as a French page writes them: "15 juin 1991", "1er mai 2026 à 14 h 30".

Every message a person reads (reminders, refusals, reasons, page titles) says its dates this
way, so that a page never mixes "12/03/2025" with "12 mars 2025".
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def french_date(day: dt.date) -> str:
    """ "15 juin 1991"; "1er mai 2026" as French writes the first of the month.

    A datetime is first brought to local time, so that 23:30 UTC on the 31st is the 1st in Paris.
    """
    if isinstance(day, dt.datetime):
        day = (timezone.localtime(day) if timezone.is_aware(day) else day).date()
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def french_datetime(moment: dt.datetime) -> str:
    """ "15 juin 2026 à 14 h 30", in local time."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return f"{french_date(local.date())} à {local.hour} h {local.minute:02d}"
