"""Fixtures for retention: persons whose last contact is old, and the day two years ahead."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from parcours.accounts.permissions import Access
from tenants.casework.models import Person
from tenants.casework.services import person_create
from tenants.retention.models import Sweep
from tenants.retention.sweeps import sweep_report_build, sweep_run_all, sweep_start


def two_years_ahead() -> dt.date:
    """The first day a contact of today is two years old."""
    return timezone.localdate() + relativedelta(years=2) + dt.timedelta(days=1)


def forgotten_person(worker: Access, *, first: str = "Zéphyrine", last: str = "Oubliée") -> Person:
    person = person_create(
        access=worker,
        identity={
            "first_name": first,
            "last_name": last,
            "sex": "F",
            "birth_date": "1987-03-21",
            "nationality": "NGA",
            "phone": "0611223344",
        },
        children_count=2,
        languages=["fr"],
    )
    Person.objects.filter(pk=person.pk).update(last_contact_on=dt.date(2020, 1, 10))
    person.refresh_from_db()
    return person


def reported(dpo: Access, *, today: dt.date) -> Sweep:
    """A dry run as the DPO asks for it, its report written (what the task does)."""
    sweep = sweep_start(access=dpo, today=today)
    return sweep_report_build(sweep_id=sweep.pk)


def run(sweep: Sweep) -> Sweep:
    return sweep_run_all(sweep_id=sweep.pk)
