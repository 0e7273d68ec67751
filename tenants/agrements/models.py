"""Approvals (agréments) of associations in this département (CASF R.121-12-1 to R.121-12-5).

Delays are dated legal parameters: missing items asked within 2 months (else the file is
complete as received), silence for 4 months after a complete file is approval, approval lasts
3 years, renewable; withdrawn when the conditions fail.
"""

from __future__ import annotations

import datetime as dt

from django.db import models


class AgrementStatus(models.TextChoices):
    REQUESTED = "requested", "Demandé"
    INCOMPLETE = "incomplete", "Pièces manquantes demandées"
    COMPLETE = "complete", "Complet, en instruction"
    APPROVED = "approved", "Agréé"
    REFUSED = "refused", "Refusé"
    WITHDRAWN = "withdrawn", "Retiré"


class Agrement(models.Model):
    association = models.ForeignKey(
        "associations.Association", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=AgrementStatus.choices)
    requested_on = models.DateField()
    departements = models.JSONField(
        default=list, blank=True, help_text="codes listed in the request"
    )
    missing_items = models.TextField(blank=True)
    missing_items_requested_on = models.DateField(null=True, blank=True)
    complete_on = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    tacit = models.BooleanField(
        default=False, help_text="approved by the silence of the administration"
    )
    motivation = models.TextField(blank=True, help_text="of a refusal or a withdrawal")
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    arrete_reference = models.CharField("référence de l'arrêté", max_length=100, blank=True)
    arrete_storage_name = models.CharField(max_length=200, blank=True, help_text="the arrêté's PDF")
    renewal_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-requested_on"]

    def __str__(self) -> str:
        return f"Agrément {self.association_id} ({self.get_status_display()})"

    def is_valid_on(self, day: dt.date) -> bool:
        return (
            self.status == AgrementStatus.APPROVED
            and self.valid_from is not None
            and self.valid_until is not None
            and self.valid_from <= day < self.valid_until
        )
