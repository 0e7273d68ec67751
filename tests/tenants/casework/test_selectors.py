"""tenants/casework/selectors.py: a list's rows answer what the file's model answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from parcours.accounts.permissions import Access
from tenants.casework import selectors
from tenants.casework.models import Dossier
from tests.tenants.casework.conftest import prepare

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "columns",
    [
        {},  # not submitted: no delay
        {"submitted_at": NOW - dt.timedelta(days=20)},
        {
            "submitted_at": NOW - dt.timedelta(days=40),
            "clock_paused_since": NOW - dt.timedelta(days=5),
            "paused_seconds": 3 * 86400,
        },
        {
            "submitted_at": NOW - dt.timedelta(days=90),
            "decided_at": NOW - dt.timedelta(days=30),
            "decision": "refused",
            "commission_avis": "unfavourable",
            "commission_avis_on": dt.date(2026, 4, 1),
            "session_on": dt.date(2026, 4, 1),
        },
        {"submitted_at": NOW - dt.timedelta(days=10), "closed_at": NOW - dt.timedelta(days=2)},
    ],
)
def test_a_row_reads_as_its_file(in31: Callable[[str], Access], columns: dict[str, object]) -> None:
    dossier = prepare(in31("association_worker"))
    Dossier.objects.filter(pk=dossier.pk).update(**columns)
    model = Dossier.objects.select_related("person", "workflow_variant").get(pk=dossier.pk)
    (row,) = selectors.rows_of(selectors.dossier_rows(Dossier.objects.filter(pk=dossier.pk)))
    assert row.pk == model.pk
    assert row.pseudonym == model.person.pseudonym
    assert row.variant_created_at == model.workflow_variant.created_at
    for name in selectors.ROW_COLUMNS:
        if "__" not in name and name != "pk":
            assert getattr(row, name) == getattr(model, name), name
    assert row.workflow is model.workflow  # one typed workflow per variant and process
    assert row.state_label == model.state_label
    assert row.processing_days(now=NOW) == model.processing_days(now=NOW)
    assert row.processing_days() == model.processing_days()
