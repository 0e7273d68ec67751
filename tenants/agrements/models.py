"""Approvals (agréments) of associations in this département."""

from __future__ import annotations

import datetime as dt

from django.db import models


class AgrementStatus(models.TextChoices):
    REQUESTED = "requested", "Demandé"
    APPROVED = "approved", "Agréé"
    REFUSED = "refused", "Refusé"
    WITHDRAWN = "withdrawn", "Retiré"


class Agrement(models.Model):
    association = models.ForeignKey(
        "associations.Association", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=16, choices=AgrementStatus.choices)
    requested_on = models.DateField()
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    arrete_reference = models.CharField("référence de l'arrêté", max_length=100, blank=True)
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
