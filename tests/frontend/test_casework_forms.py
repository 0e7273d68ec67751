"""frontend/views/casework_forms.py: a transition's form on the file page is its declaration."""

from __future__ import annotations

import pytest

from frontend.views.casework_forms import transition_form_class
from parcours.workflows.inputs import CommentUse
from tenants.casework.forms import INPUTS


@pytest.mark.parametrize("form", list(INPUTS))
def test_the_page_asks_exactly_the_declared_inputs(form) -> None:  # type: ignore[no-untyped-def]
    inputs = INPUTS[form]
    fields = transition_form_class(form)().fields

    declared = {spec.name for spec in inputs.fields}
    if inputs.comment is not CommentUse.HIDDEN:
        declared.add("comment")
    assert set(fields) == declared
    for spec in inputs.fields:
        assert fields[spec.name].label == spec.label
