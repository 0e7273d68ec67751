"""The préfet's decision letter: what it says, for the PDF the decision produces and for the
preview the préfet reads before signing (the same template and the same facts)."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta
from django.template.loader import render_to_string
from django.utils import timezone

from parcours.accounts.permissions import Access
from parcours.db import connection
from parcours.referentiel.selectors import legal_parameter_value
from tenants.casework.errors import CaseworkError
from tenants.casework.forms import transition_write
from tenants.casework.models import Dossier, Period
from tenants.casework.selectors import person_identity, transitions_available


def decision_letter_context(
    *, dossier: Dossier, identity: dict[str, Any], period: Period | None
) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "dossier": dossier,
        "identity": identity,
        "tenant": connection.tenant,
        "period": period,
        "appeal_months": int(legal_parameter_value(key="appeal_delay_months", on=today)),
        "today": today,
    }


def decision_letter_preview(*, dossier: Dossier, decided: Dossier, identity: dict[str, Any]) -> str:
    """The letter's body as it will read once `decided` (an unsaved copy of `dossier` on which
    the decision's inputs were written and checked) is signed; the period it would open is
    computed as `period_open` will, nothing is stored."""
    period = None
    if decided.is_authorised and decided.start_on is not None:
        months = int(legal_parameter_value(key="psp_period_months", on=decided.start_on))
        period = Period(
            pathway=dossier.pathway,
            number=dossier.pathway.periods.count() + 1,
            starts_on=decided.start_on,
            ends_on=decided.start_on + relativedelta(months=months) - dt.timedelta(days=1),
        )
    context = decision_letter_context(dossier=decided, identity=identity, period=period)
    # Shown inside a page that has its own title: the letter's title is not a heading there.
    return render_to_string("casework/_decision_letter_body.html", {**context, "preview": True})


def decision_copy(dossier: Dossier) -> Dossier:
    """An unsaved copy to write a decision's inputs on (the preview never touches the row)."""
    return copy.copy(dossier)


def decision_preview(
    *, access: Access, dossier: Dossier, transition: str, data: dict[str, Any], comment: str
) -> str:
    """What the letter will say if the préfet fires the decision `transition` with these
    inputs: the inputs are checked as the decision itself checks them (a refusal raises
    CaseworkError with the reasons), on a copy of the file; nothing is written."""
    workflow = dossier.workflow
    offered = {t["name"] for t in transitions_available(access=access, dossier=dossier)}
    step = workflow.transitions.get(transition)
    if step is None or not step.decision or transition not in offered:
        raise CaseworkError(["Cette décision n'est pas disponible pour vous sur ce dossier."])
    decided = decision_copy(dossier)
    transition_write(dossier=decided, workflow=workflow, form=step.form, data=data, comment=comment)
    identity = person_identity(access=access, person=dossier.person) or {}
    return decision_letter_preview(dossier=dossier, decided=decided, identity=identity)
