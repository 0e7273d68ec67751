"""Putting a domain function's refusals on the page's form, and finding the forms a page failed.

A page that refuses a form says so three times, as the RGAA asks: "Erreur" first in its title,
a summary at the top of the page that takes the focus and links to each field in error, and the
message beside the field, tied to it by `aria-describedby` (includes/field.html).

Hand-written forms (a date and a select posted to a command, then a redirect back) name
themselves with `{% inline_form "droits" %}`. When such a POST is refused (its answer is a
redirect carrying error messages), `InlineFormErrorsMiddleware` ties those messages to the form:
the page they come back to shows them in the summary and beside the form's fields
(`{% invalid "droits" %}` on each control), and scrolls to them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.messages import ERROR
from django.http import HttpRequest, HttpResponse

# The hidden field a hand-written form names itself by, and the tag its refusals carry.
FORM_FIELD = "_form"
INLINE_TAG = "form:"
# A name chosen by a template, echoed in an id and an anchor: nothing else is taken from a POST.
_FORM_ID = re.compile(r"[a-z][a-z0-9-]{0,39}\Z")


def add_field_errors(form: forms.Form, errors: Mapping[str, Sequence[str]]) -> None:
    """Each error on its field; those naming no field of this form go on top of it."""
    for field, messages in errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


@dataclass(frozen=True)
class FieldError:
    label: str
    message: str
    anchor: str  # the id of the field's element, "" for an error of the whole form


def failed_forms(values: Mapping[Any, Any]) -> list[forms.BaseForm]:
    """The bound forms with errors among a page's context values (whatever their names)."""
    found: list[forms.BaseForm] = []
    for value in values.values():
        failed = isinstance(value, forms.BaseForm) and value.is_bound and bool(value.errors)
        if failed and all(value is not other for other in found):
            found.append(value)
    return found


def error_list(form: forms.BaseForm) -> list[FieldError]:
    """The form's errors in the order of its fields, those of the whole form first."""
    errors = [FieldError("", str(message), "") for message in form.non_field_errors()]
    for bound in form:
        errors.extend(
            FieldError(str(bound.label), str(message), bound.auto_id or "")
            for message in bound.errors
        )
    return errors


def inline_errors(stored: Iterable[Any] | None, form_id: str) -> list[str]:
    """The refusals of the hand-written form `form_id` among a page's messages."""
    tag = f"{INLINE_TAG}{form_id}"
    return [str(message) for message in stored or () if (message.extra_tags or "") == tag]


def inline_field_errors(stored: Iterable[Any] | None) -> list[FieldError]:
    """Every hand-written form's refusals, each linked to the message beside its form."""
    return [
        FieldError("", str(message), f"{message.extra_tags[len(INLINE_TAG) :]}-error")
        for message in stored or ()
        if (message.extra_tags or "").startswith(INLINE_TAG)
    ]


class InlineFormErrorsMiddleware:
    """Ties the error messages of a refused hand-written form to that form (see above).

    Below MessageMiddleware, so that it sees the messages before they are stored.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method != "POST" or response.status_code not in (302, 303):
            return response
        if request.path.startswith("/api/"):
            return response
        # Only a body the view itself parsed: parsing one here could raise on a malformed body
        # after the answer is made (the view had no form to refuse then anyway).
        posted = request.__dict__.get("_post")
        form_id = posted.get(FORM_FIELD, "") if posted is not None else ""
        if not isinstance(form_id, str) or not _FORM_ID.match(form_id):
            return response
        queued = getattr(getattr(request, "_messages", None), "_queued_messages", [])
        refusals = [message for message in queued if message.level == ERROR]
        if not refusals:
            return response
        for message in refusals:
            message.extra_tags = f"{INLINE_TAG}{form_id}"
        response["Location"] = f"{response['Location'].split('#')[0]}#{form_id}-error"
        return response
