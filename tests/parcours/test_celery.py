"""platform/parcours/celery.py: what a task sees of its département, without a worker.

Kept apart from tests/test_celery_worker.py, whose tests are transactional: this one needs no
database, and a transactional test that does not drop the département schemas cannot flush.
"""

from __future__ import annotations

from django.db import connection


def test_a_task_of_an_overseas_departement_reads_dates_in_its_zone() -> None:
    """The reminders and letters of La Réunion are dated in Indian/Reunion, not in Paris."""
    from django.utils import timezone

    from parcours.celery import _default_zone, _departement_zone

    class Overseas:
        code = "974"

    previous = getattr(connection, "tenant", None)
    connection.tenant = Overseas()  # type: ignore[assignment]
    try:
        _departement_zone()
        assert str(timezone.get_current_timezone()) == "Indian/Reunion"
    finally:
        _default_zone()
        connection.tenant = previous  # type: ignore[assignment]
    assert str(timezone.get_current_timezone()) == "Europe/Paris"
