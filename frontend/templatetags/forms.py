"""The error summary of a page whose forms were refused (see frontend/form_errors.py).

`{% page_has_errors as failed %}`: whether a form of the page was refused (the title's "Erreur").
`{% error_summary %}`: the summary at the top of the page, focused on load, linking each field.
`{% inline_form "droits" %}`: inside a hand-written form, its name and its refusals (the name
may be built of parts, `{% inline_form "votes" item.position %}` is "votes-3").
`{% invalid "droits" %}`: on each control of that form, what ties it to those refusals.
`{% page_messages as shown %}`: the messages for the top of the page (not a form's refusals).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from frontend.form_errors import (
    FORM_FIELD,
    INLINE_TAG,
    error_list,
    failed_forms,
    inline_errors,
    inline_field_errors,
)

register = template.Library()


@register.simple_tag(takes_context=True)
def page_has_errors(context: template.Context) -> bool:
    values = context.flatten()
    return bool(failed_forms(values)) or bool(inline_field_errors(context.get("messages")))


@register.inclusion_tag("includes/error_summary.html", takes_context=True)
def error_summary(context: template.Context) -> dict[str, Any]:
    values = context.flatten()
    errors = [error for form in failed_forms(values) for error in error_list(form)]
    return {"errors": errors + inline_field_errors(context.get("messages"))}


@register.simple_tag(takes_context=True)
def page_messages(context: template.Context) -> list[Any]:
    stored = context.get("messages") or ()
    return [m for m in stored if not (m.extra_tags or "").startswith(INLINE_TAG)]


def _form_id(parts: tuple[object, ...]) -> str:
    # `{% inline_form "votes" row.item.position %}`: one form per item of a list.
    return "-".join(str(part) for part in parts)


@register.simple_tag(takes_context=True)
def inline_form(context: template.Context, *parts: object) -> SafeString:
    form_id = _form_id(parts)
    named = format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, form_id)
    errors = inline_errors(context.get("messages"), form_id)
    if not errors:
        return named
    return format_html(
        '{}<p id="{}-error" class="fr-error-text" tabindex="-1">{}</p>',
        named,
        form_id,
        " ".join(errors),
    )


@register.simple_tag(takes_context=True)
def invalid(context: template.Context, *parts: object) -> SafeString:
    form_id = _form_id(parts)
    if not inline_errors(context.get("messages"), form_id):
        return SafeString("")
    return format_html(' aria-invalid="true" aria-describedby="{}-error"', form_id)
