"""parcours/workflows/inputs.py: a transition's inputs checked against their declaration."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from parcours.validation import DATE_RANGE_MESSAGE
from parcours.workflows.inputs import (
    CommentUse,
    FieldType,
    InputField,
    InputRefused,
    TransitionInputs,
    parse,
)

DECLARED = TransitionInputs(
    fields=(
        InputField("on", FieldType.DATE, "Date", required=True, missing="Date ?", invalid="Date !"),
        InputField(
            "votes", FieldType.COUNT, "Voix", invalid="Nombre !", maximum=10, out_of_range="0-10"
        ),
        InputField(
            "pick", FieldType.CHOICES, "Motifs", invalid="Motif !", choices=(("a", "A"), ("b", "B"))
        ),
        InputField("why", FieldType.TEXT, "Pourquoi", min_length=3, out_of_range="Trop court"),
    ),
    comment=CommentUse.REQUIRED,
    comment_min_length=5,
    comment_message="Raison ?",
)


def test_declared_values_come_back_typed() -> None:
    values = parse(
        DECLARED,
        data={"on": "2026-12-01", "votes": "3", "pick": ["b", "a", "b"], "why": "  car  "},
        comment="parce que",
    )

    assert values == {"on": dt.date(2026, 12, 1), "votes": 3, "pick": ("a", "b"), "why": "car"}


def test_an_input_not_given_is_none_and_an_unknown_key_is_ignored() -> None:
    values = parse(DECLARED, data={"on": "2026-12-01", "colour": "bleu"}, comment="parce que")

    assert values == {"on": dt.date(2026, 12, 1), "votes": None, "pick": None, "why": None}


@pytest.mark.parametrize(
    ("data", "comment", "field", "message"),
    [
        pytest.param({}, "parce que", "on", "Date ?", id="required-missing"),
        pytest.param({"on": "01/12/2026"}, "parce que", "on", "Date !", id="date-malformed"),
        pytest.param({"on": "9999-12-31"}, "parce que", "on", DATE_RANGE_MESSAGE, id="date-far"),
        pytest.param({"on": "2026-12-01", "votes": 11}, "parce que", "votes", "0-10", id="count-high"),
        pytest.param({"on": "2026-12-01", "votes": True}, "parce que", "votes", "Nombre !", id="bool"),
        pytest.param({"on": "2026-12-01", "pick": ["c"]}, "parce que", "pick", "Motif !", id="choice"),
        pytest.param({"on": "2026-12-01", "pick": "a"}, "parce que", "pick", "Motif !", id="not-list"),
        pytest.param({"on": "2026-12-01", "why": "ab"}, "parce que", "why", "Trop court", id="short"),
        pytest.param({"on": "2026-12-01"}, "non", "comment", "Raison ?", id="comment-short"),
    ],
)  # fmt: skip
def test_an_input_outside_its_declaration_is_refused_on_its_field(
    data: dict[str, Any], comment: str, field: str, message: str
) -> None:
    with pytest.raises(InputRefused) as refused:
        parse(DECLARED, data=data, comment=comment)

    assert (refused.value.field, refused.value.message) == (field, message)
