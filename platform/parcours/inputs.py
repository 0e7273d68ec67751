"""Reading a command's inputs the same way from a page's form and from the API's JSON.

A command table (`tenants/*/commands.py`) serves the pages and the API: a page sends strings
(`"7"`, `"on"`, `"2026-11-20"`), the API values its serializer already typed (`7`, `True`,
`date(2026, 11, 20)`). Each reader accepts both and refuses the same things, with the domain's
error, so a page and the API cannot read one input differently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from parcours.errors import Refused
from parcours.validation import DATE_RANGE_MESSAGE, is_plausible_date, parse_int

Inputs = Mapping[str, Any]


def read_int(data: Inputs, key: str) -> int:
    """An id: an integer, or digits typed in a form; 0 (no such row) otherwise. A boolean is
    not an id, though Python counts `True` as 1."""
    value = data.get(key)
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    return parse_int(value if value is not None else "", default=0)


def read_optional_int(data: Inputs, key: str) -> int | None:
    value = data.get(key)
    return None if value in (None, "") else read_int(data, key)


def read_text(data: Inputs, key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def read_flag(data: Inputs, key: str) -> bool:
    """A checkbox ("on") or a JSON boolean."""
    return data.get(key) in (True, "on", "true")


def read_date(data: Inputs, key: str, *, default: dt.date | None = None) -> dt.date:
    """A date within the platform's plausible range; `default` when none is given."""
    value = data.get(key)
    if value in (None, "") and default is not None:
        return default
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value or ""))
    except (TypeError, ValueError):
        raise Refused(["Indiquez une date valide."], fields={key: ["Date invalide."]}) from None
    if isinstance(day, dt.datetime):
        day = day.date()
    if not is_plausible_date(day):
        raise Refused([DATE_RANGE_MESSAGE], fields={key: [DATE_RANGE_MESSAGE]})
    return day


def read_datetime(data: Inputs, key: str) -> dt.datetime:
    """A date and time within the platform's plausible range, aware (a naive one is in the
    current zone, the département's, as typed on the page)."""
    value = data.get(key)
    try:
        moment = (
            value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value or ""))
        )
    except (TypeError, ValueError):
        raise Refused(
            ["Indiquez une date et une heure valides."],
            fields={key: ["Date et heure invalides."]},
        ) from None
    if not is_plausible_date(moment.date()):
        raise Refused([DATE_RANGE_MESSAGE], fields={key: [DATE_RANGE_MESSAGE]})
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
