"""Retention of a person's data: legal holds, and the sweeps that move persons out of the
active base two years after their last contact (CNIL 2023-095, social accompaniment).

A sweep is first a dry run: the report lists who would be archived or anonymised, and why; the
DPO reads it, then runs it. The run processes exactly the listed persons, each re-checked at
run time (a person contacted since, or put on hold, is skipped and the row says so).
"""

from __future__ import annotations

from django.db import models


class LegalHold(models.Model):
    """A reason to keep a person's data, set by the DPO: the person is archived, never anonymised,
    while the hold stands. Lifted holds stay, with who lifted them and why."""

    person = models.ForeignKey("casework.Person", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    set_by_id = models.BigIntegerField()
    set_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by_id = models.BigIntegerField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-set_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(lifted_at__isnull=True),
                name="legalhold_one_standing_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"hold {self.pk} on person {self.person_id}"

    @property
    def is_standing(self) -> bool:
        return self.lifted_at is None


class SweepStatus(models.TextChoices):
    PREPARING = "preparing", "Rapport en préparation"
    REPORTED = "reported", "Rapport prêt, en attente de confirmation"
    RUNNING = "running", "En cours d'exécution"
    DONE = "done", "Exécuté"
    FAILED = "failed", "Échec"


class Outcome(models.TextChoices):
    ARCHIVE = "archive", "Archivage (base intermédiaire)"
    ANONYMISE = "anonymise", "Anonymisation"


class RowResult(models.TextChoices):
    PENDING = "pending", "À traiter"
    DONE = "done", "Traité"
    SKIPPED = "skipped", "Écarté"


class Sweep(models.Model):
    """One retention sweep of the département: its dry-run report, then its run."""

    today = models.DateField(help_text="the day the two years are counted back from")
    status = models.CharField(
        max_length=16, choices=SweepStatus.choices, default=SweepStatus.PREPARING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by_id = models.BigIntegerField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"sweep {self.pk} ({self.today})"

    @property
    def progress_percent(self) -> int:
        """How far the run is (the report's rows processed), for the pages and the API."""
        if not self.total:
            return 100 if self.status == SweepStatus.DONE else 0
        return min(100, self.processed * 100 // self.total)


class SweepRow(models.Model):
    """One person of a dry-run report: what would happen and why; then what did happen."""

    # No index of its own: sweeprow_person_once starts with this column.
    sweep = models.ForeignKey(Sweep, on_delete=models.CASCADE, related_name="rows", db_index=False)
    person = models.ForeignKey("casework.Person", on_delete=models.PROTECT, related_name="+")
    # The pseudonym as it was, so the report reads the same after the run.
    pseudonym = models.CharField(max_length=32)
    last_contact_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.CharField(max_length=300)
    result = models.CharField(max_length=16, choices=RowResult.choices, default=RowResult.PENDING)
    result_note = models.CharField(max_length=300, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sweep", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sweep", "person"], name="sweeprow_person_once")
        ]

    def __str__(self) -> str:
        return f"{self.pseudonym}: {self.outcome}"
