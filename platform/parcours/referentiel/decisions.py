"""The terms of a decision on a PSP file that both layers need.

The département's casework records them (the decision form, the commission's avis) and the
national statistics break the refusals and the files examined down by them: one list, here, so
that a ground added for the form is a category the release knows.
"""

from __future__ import annotations

from django.db import models


class Avis(models.TextChoices):
    """The direction of the commission's avis on a file."""

    FAVOURABLE = "favourable", "Favorable"
    UNFAVOURABLE = "unfavourable", "Défavorable"


# CE 19 nov. 2021 n° 440802: these grounds alone are an error of law.
INSUFFICIENT_ALONE = {"not_stopped", "no_complaint"}
REFUSAL_GROUNDS = {
    "conditions_not_met": "Conditions d'accès au parcours non réunies",
    "project_insufficient": "Projet d'insertion insuffisant",
    "commitments_not_kept": "Engagements du parcours précédent non tenus",
    "not_stopped": "Activité prostitutionnelle non arrêtée",
    "no_complaint": "Absence de plainte",
    "other": "Autre motif",
}
