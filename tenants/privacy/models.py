"""What the person's rights leave behind: the history of their identity, their access exports.

Stored in the département's schema, beside the person (tenants/casework). Nothing here is in
clear: an identity revision holds the old and new values encrypted with the département's key,
an export's files live under the département's own folder (parcours.storage).
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

from parcours.french import french_date


class IdentityRevision(models.Model):
    """One rectification of a person's identity (GDPR art. 16): who, when, what, why.

    `fields` names what changed (field names only, never values), so that the history can be
    listed without decrypting; the values before and after and the reason are encrypted.
    """

    person = models.ForeignKey(
        "casework.Person", on_delete=models.CASCADE, related_name="identity_revisions"
    )
    fields = models.JSONField(default=list)
    before_encrypted = models.TextField()
    after_encrypted = models.TextField()
    reason_encrypted = models.TextField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_role = models.CharField(max_length=32, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["person", "-at", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id}: {', '.join(self.fields)} ({french_date(self.at)})"


class ExportStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    RUNNING = "running", "En cours"
    READY = "ready", "Prêt"
    FAILED = "failed", "Échec"
    EXPIRED = "expired", "Expiré"


class AccessExport(models.Model):
    """Everything the département holds on one person (GDPR art. 15), as JSON and as a PDF."""

    person = models.ForeignKey(
        "casework.Person", on_delete=models.CASCADE, related_name="access_exports"
    )
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="percent")
    json_storage_name = models.CharField(max_length=200, blank=True)
    pdf_storage_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.get_status_display()})"

    def is_downloadable(self, *, now: dt.datetime | None = None) -> bool:
        """Ready and not past its expiry: after it, the files are gone or about to be."""
        return (
            self.status == ExportStatus.READY
            and self.expires_at is not None
            and self.expires_at > (now or timezone.now())
        )
