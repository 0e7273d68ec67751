"""Published figures as a French page writes them.

`{{ figure|figure:unit }}`: "275 783 €", "148", "1–5", "45 jours"; a secret cell is an `s`
whose meaning is given on hover and to screen readers (the page also states it in words next to
every table that can hold one); no figure at all is "—".
`{{ text|grouped }}`: a published text ("903", "1–5", "s") with its thousands set apart.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from parcours.reporting.map import grouped as grouped_int
from parcours.reporting.models import Disclosure, PublishedFigure

register = template.Library()

SECRET_MARK = "s"
SECRET_MEANING = "secret statistique"


@register.filter
def grouped(text: object) -> str:
    value = str(text)
    return grouped_int(int(value)) if value.isdigit() else value


@register.filter
def figure(value: PublishedFigure | None, unit: str = "") -> str | SafeString:
    if value is None:
        return "—"
    if value.disclosure == Disclosure.SUPPRESSED:
        return format_html('<abbr title="{}">{}</abbr>', SECRET_MEANING, value.shown)
    if value.value is None:
        return value.shown
    text = grouped_int(value.value)
    return f"{text}\u00a0{unit}" if unit else text
