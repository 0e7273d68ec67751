"""The error summary of a page whose forms were refused (see frontend/form_errors.py).

`{% page_has_errors as failed %}`: whether a form of the page was refused (the title's "Erreur").
`{% error_summary %}`: the summary at the top of the page, focused on load, linking each field.
"""

from __future__ import annotations

from typing import Any

from django import template

from frontend.form_errors import error_list, failed_forms

register = template.Library()


@register.simple_tag(takes_context=True)
def page_has_errors(context: template.Context) -> bool:
    return bool(failed_forms(context.flatten()))


@register.inclusion_tag("includes/error_summary.html", takes_context=True)
def error_summary(context: template.Context) -> dict[str, Any]:
    errors = [error for form in failed_forms(context.flatten()) for error in error_list(form)]
    return {"errors": errors}
