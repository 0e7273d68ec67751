"""When a person's data leaves the active base, and which way (CNIL 2023-095, social action).

The rule: two years after the last contact, the data leaves the active base. It is archived
(intermediate storage, read by the DPO alone with a reason) while a reason to keep it applies,
otherwise anonymised for good. The reasons to keep are:
- a legal hold the DPO set, with its reason (an appeal before the tribunal administratif is
  recorded this way: the follow-up records no appeal itself);
- a decision of the préfet still open to appeal: its délai franc has not ended
  (`Dossier.appeal_deadline`), or it was never notified, so the delay has not even started
  (an un-notified decision can be appealed long after it was taken);
- a file submitted to the administration and still waiting for its decision (no event for two
  years on such a file is a file to look at, never one to erase). A draft the association never
  submitted is no reason: nothing was asked of the administration.
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from parcours.french import french_date
from tenants.casework.models import Dossier, Person
from tenants.retention.models import LegalHold

ACTIVE_BASE_YEARS = 2


def contact_cutoff(*, today: dt.date) -> dt.date:
    """A last contact on or before this day is two years old on `today`."""
    return today - relativedelta(years=ACTIVE_BASE_YEARS)


def last_contact(person: Person) -> dt.date:
    """The last contact; a person recorded before the date was kept counts from her creation."""
    return person.last_contact_on or timezone.localtime(person.created_at).date()


def reasons_to_keep(*, person: Person, today: dt.date) -> list[str]:
    """Why the person's data must be kept (archived) rather than anonymised; empty if none."""
    reasons = [
        f"Gel juridique posé le {french_date(hold.set_at)} par le DPO"
        for hold in LegalHold.objects.filter(person=person, lifted_at__isnull=True)
    ]
    for dossier in Dossier.objects.filter(person=person).select_related("workflow_variant"):
        if dossier.decision:
            deadline = dossier.appeal_deadline()
            if deadline is None:
                reasons.append(
                    f"Décision du dossier n° {dossier.number} non notifiée : "
                    "le délai de recours n'a pas commencé"
                )
            elif deadline >= today:
                reasons.append(
                    f"Délai de recours ouvert jusqu'au {french_date(deadline)} "
                    f"(dossier n° {dossier.number})"
                )
        elif dossier.is_open and dossier.submitted_at is not None:
            reasons.append(f"Dossier n° {dossier.number} déposé, toujours en attente de décision")
    return reasons
