"""`{% options choices selected %}`: the <option> elements of a select, built in Python.

A select's options written as a template loop cost one loop body per option; the attendance
sheet has one proxy select per seat listing every other seat (30 seats: 870 options), which
made the session page the slowest page of a département. Each list of choices is escaped once
per rendering, then each select only marks its selected value. Values and labels are escaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def options(
    context: template.Context,
    choices: Iterable[tuple[Any, Any]],
    selected: Any = None,
    *,
    exclude: Any = None,
) -> SafeString:
    """One <option> per (value, label) of `choices`, `selected` marked, `exclude` left out.
    Values compare as text, as the browser sends them back."""
    render_context: Any = context.render_context  # typed by django-stubs for its own keys
    escaped: dict[int, list[tuple[str, str, str]]] = render_context.setdefault(
        "parcours_options", {}
    )
    parts = escaped.get(id(choices))
    if parts is None:
        parts = escaped[id(choices)] = [
            (str(value), f'<option value="{escape(value)}"', f">{escape(label)}</option>")
            for value, label in choices
        ]
    chosen = "" if selected is None else str(selected)
    left_out = None if exclude is None else str(exclude)
    return mark_safe(  # noqa: S308 (values and labels escaped above)
        "".join(
            f"{head} selected{tail}" if value == chosen else head + tail
            for value, head, tail in parts
            if value != left_out
        )
    )
