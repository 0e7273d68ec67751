"""The scheduled dry run: a report per département, and a stuck sweep resumed, never doubled."""

from __future__ import annotations

from typing import Any

import pytest

from tenants.retention import tasks
from tenants.retention.models import Sweep, SweepStatus
from tests.tenants.retention.conftest import forgotten_person


def test_the_scheduled_dry_run_writes_a_report_and_resumes_a_stuck_one(in31, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    person = forgotten_person(in31("association_worker"))
    sent: list[tuple[str, dict[str, Any]]] = []
    for task in (tasks.sweep_report, tasks.sweep_run):
        monkeypatch.setattr(
            task, "apply_async", lambda kwargs, name=task.name: sent.append((name, kwargs))
        )
    first = tasks.sweep_scheduled()
    sweep = Sweep.objects.get()
    assert first["sweep"] == sweep.pk and sweep.status == SweepStatus.PREPARING
    # The report's message was lost with a worker: next time, it is sent again, not doubled.
    again = tasks.sweep_scheduled()
    assert again["resumed"] == sweep.pk and Sweep.objects.count() == 1
    assert sent == [(tasks.sweep_report.name, {"sweep_id": sweep.pk})]
    result = tasks.sweep_report(sweep_id=sweep.pk)
    assert result["rows"] == 1 and tasks.sweep_report(sweep_id=sweep.pk)["rows"] == 1
    assert list(Sweep.objects.get().rows.values_list("person_id", flat=True)) == [person.pk]


@pytest.mark.parametrize("rows", [1, 4])
def test_reading_a_report_costs_the_same_whatever_its_size(  # type: ignore[no-untyped-def]
    in31, django_assert_num_queries, rows: int
) -> None:
    from tenants.retention.selectors import holds_list, sweep_get, sweep_rows
    from tenants.retention.services import legal_hold_set
    from tests.tenants.retention.conftest import reported

    dpo = in31("dpo")
    for i in range(rows):
        person = forgotten_person(in31("association_worker"), first=f"Personne{i}")
        legal_hold_set(access=dpo, person_id=person.pk, reason="Recours contentieux en cours.")
    sweep = reported(dpo, today=person.last_contact_on.replace(year=2030))
    with django_assert_num_queries(2):
        list(sweep_rows(sweep=sweep_get(access=dpo, sweep_id=sweep.pk)))
    with django_assert_num_queries(1):
        [hold.person.pseudonym for hold in holds_list(access=dpo)]
