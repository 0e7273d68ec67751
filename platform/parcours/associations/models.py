"""The national registry of associations; their approvals live in each département's schema."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.core.validators import RegexValidator
from django.db import models

rna_validator = RegexValidator(r"^W\d{9}$", "Le numéro RNA s'écrit W suivi de 9 chiffres.")
siret_validator = RegexValidator(r"^\d{14}$", "Le numéro SIRET compte 14 chiffres.")


class Association(models.Model):
    name = models.CharField("nom", max_length=200)
    rna = models.CharField("numéro RNA", max_length=10, unique=True, validators=[rna_validator])
    siret = models.CharField(
        "numéro SIRET", max_length=14, blank=True, validators=[siret_validator]
    )
    head_office_departement = models.ForeignKey(
        "referentiel.Departement", on_delete=models.PROTECT, related_name="associations"
    )
    head_office_address = models.CharField("adresse du siège", max_length=300, blank=True)
    declared_on = models.DateField("date de déclaration en préfecture")
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def seniority_reached_on(self, *, years: int) -> dt.date:
        return self.declared_on + relativedelta(years=years)
