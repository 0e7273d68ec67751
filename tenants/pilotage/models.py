"""Departmental steering: the multi-year strategy, prevention and buyer-side aggregates, and the
annual activity report. Aggregates only: no person is ever named here."""

from __future__ import annotations

from django.db import models


class StrategyAxis(models.Model):
    title = models.CharField(max_length=200)
    first_year = models.PositiveSmallIntegerField()
    last_year = models.PositiveSmallIntegerField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Prévue"
    IN_PROGRESS = "in_progress", "En cours"
    DONE = "done", "Réalisée"
    DROPPED = "dropped", "Abandonnée"


class StrategyAction(models.Model):
    axis = models.ForeignKey(StrategyAxis, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=300)
    owner = models.CharField("pilote", max_length=200)
    indicator = models.CharField("indicateur", max_length=200, blank=True)
    target = models.CharField("cible", max_length=100, blank=True)
    achieved = models.CharField("réalisé", max_length=100, blank=True)
    status = models.CharField(
        max_length=16, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["axis", "id"]

    def __str__(self) -> str:
        return self.title


class PeriodFigures(models.Model):
    """Prevention and buyer-side figures entered as aggregates for one year."""

    year = models.PositiveSmallIntegerField(unique=True)
    buyers_fined = models.PositiveIntegerField(
        "personnes verbalisées pour achat d'acte sexuel", default=0
    )
    awareness_courses = models.PositiveIntegerField("stages de sensibilisation ordonnés", default=0)
    procuring_proceedings = models.PositiveIntegerField("procédures pour proxénétisme", default=0)
    trafficking_proceedings = models.PositiveIntegerField("procédures pour traite", default=0)
    prevention_actions = models.PositiveIntegerField("actions de prévention", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class ActivityReport(models.Model):
    year = models.PositiveSmallIntegerField()
    storage_name = models.CharField(max_length=200)
    generated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-generated_at"]

    def __str__(self) -> str:
        return f"Rapport {self.year}"
