"""What a transition asks for, declared once as typed fields; the pages, the API and the domain
derive their form, their request schema and their checks from the same declaration.

A declaration (`TransitionInputs`) lists its fields (`InputField`: name, type, limits, choices,
French label and messages) and says whether the transition's comment is required. `parse`
checks raw values against it and returns typed values (dates as `datetime.date`, counts as
`int`, lists of choices as tuples) or the first refusal with the field it concerns. Rules that
weigh one field against another or against the file (a majority of votes, a date after the
avis) are the domain's, written beside the declaration; they are not input limits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from parcours.validation import DATE_RANGE_MESSAGE, is_plausible_date

COMMENT_MAX_LENGTH = 5000


class FieldType(StrEnum):
    TEXT = "text"
    DATE = "date"
    COUNT = "count"
    CHOICE = "choice"
    CHOICES = "choices"


class CommentUse(StrEnum):
    OPTIONAL = "optional"
    REQUIRED = "required"
    HIDDEN = "hidden"  # a decision is motivated in its own field, not in a comment


@dataclass(frozen=True)
class InputField:
    """One input: `missing`, `invalid` and `out_of_range` (a count out of its bounds, a text
    shorter than `min_length`) are the French messages a refusal gives."""

    name: str
    type: FieldType
    label: str
    required: bool = False
    missing: str = ""
    invalid: str = ""
    min_length: int = 0
    max_length: int = COMMENT_MAX_LENGTH
    minimum: int = 0
    maximum: int = 0
    out_of_range: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    help_text: str = ""

    @property
    def choice_values(self) -> frozenset[str]:
        return frozenset(value for value, _ in self.choices)


@dataclass(frozen=True)
class TransitionInputs:
    fields: tuple[InputField, ...] = ()
    comment: CommentUse = CommentUse.OPTIONAL
    comment_min_length: int = 0
    comment_message: str = ""
    description: str = ""
    by_name: dict[str, InputField] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})


class InputRefused(ValueError):
    """An input that does not fit its declaration; the domain turns it into its own error."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _date(spec: InputField, raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        raise InputRefused(spec.name, spec.invalid)
    if isinstance(raw, dt.date):
        value = raw
    else:
        try:
            value = dt.date.fromisoformat(str(raw))
        except ValueError as exc:
            raise InputRefused(spec.name, spec.invalid) from exc
    if not is_plausible_date(value):
        raise InputRefused(spec.name, DATE_RANGE_MESSAGE)
    return value


def _count(spec: InputField, raw: Any) -> int:
    if isinstance(raw, bool):
        raise InputRefused(spec.name, spec.invalid)
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise InputRefused(spec.name, spec.invalid) from exc
    if not spec.minimum <= value <= spec.maximum:
        raise InputRefused(spec.name, spec.out_of_range)
    return value


def parse_field(spec: InputField, raw: Any) -> Any:
    """The typed value of one input, None when it was not given (absent, blank or empty)."""
    if raw is None or raw == "" or raw == [] or raw == ():
        if spec.required:
            raise InputRefused(spec.name, spec.missing)
        return None
    match spec.type:
        case FieldType.DATE:
            return _date(spec, raw)
        case FieldType.COUNT:
            return _count(spec, raw)
        case FieldType.CHOICE:
            if raw not in spec.choice_values:
                raise InputRefused(spec.name, spec.invalid)
            return str(raw)
        case FieldType.CHOICES:
            if not isinstance(raw, list | tuple) or not all(isinstance(v, str) for v in raw):
                raise InputRefused(spec.name, spec.invalid)
            if not set(raw) <= spec.choice_values:
                raise InputRefused(spec.name, spec.invalid)
            return tuple(sorted(set(raw)))
        case FieldType.TEXT:
            value = str(raw).strip()
            if len(value) < spec.min_length:
                raise InputRefused(spec.name, spec.out_of_range or spec.missing)
            if len(value) > spec.max_length:
                raise InputRefused(spec.name, spec.invalid)
            return value


def parse(inputs: TransitionInputs, *, data: dict[str, Any], comment: str) -> dict[str, Any]:
    """Every declared field by name (None when not given), checked; unknown keys are ignored,
    as the engine always did, so an older client sending more keeps working."""
    if inputs.comment is CommentUse.REQUIRED and len(comment.strip()) < inputs.comment_min_length:
        raise InputRefused("comment", inputs.comment_message)
    return {spec.name: parse_field(spec, data.get(spec.name)) for spec in inputs.fields}
