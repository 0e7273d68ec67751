"""National reference data (public schema): read by every département, edited nationally.

Legal figures are *dated* rows, never constants: a new amount is a new row with its date of
effect, so a file keeps being computed with the amount in force at the time.
"""

from __future__ import annotations

from django.db import models

from parcours.french import french_date


class Region(models.Model):  # type: ignore[django-manager-missing]
    code = models.CharField(max_length=3, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Departement(models.Model):
    """A département of the INSEE official geographic code (101 of them)."""

    code = models.CharField(max_length=3, unique=True)
    name = models.CharField(max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements")
    source = models.CharField(max_length=200)
    sort_key = models.CharField(max_length=4, db_index=True, editable=False)

    class Meta:
        ordering = ["sort_key"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.sort_key = self.order_key(self.code)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @staticmethod
    def order_key(code: str) -> str:
        """INSEE order: 19 < 2A < 2B < 21 < … < 95 < 971."""
        if code in {"2A", "2B"}:
            return "020" + code[1]
        return code.zfill(3) + " "


class NomenclatureKind(models.TextChoices):
    COLLEGE = "college", "Collège de la commission"
    NEED_DOMAIN = "need_domain", "Domaine d'évaluation des besoins"
    RIGHT_TYPE = "right_type", "Droit ou prestation"
    EXIT_OUTCOME = "exit_outcome", "Issue de sortie du parcours"
    NATIONALITY = "nationality", "Nationalité (ISO 3166)"


class NomenclatureItem(models.Model):
    kind = models.CharField(max_length=32, choices=NomenclatureKind.choices)
    code = models.CharField(max_length=64)
    label = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    # Small, documented attributes (e.g. a college that does not sit on individual files).
    attributes = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["kind", "position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="nomenclature_kind_code_uniq")
        ]

    def __str__(self) -> str:
        return self.label


class Confidence(models.TextChoices):
    LEGAL_TEXT = "C", "Lu dans le texte légal"
    SECONDARY = "S", "Source secondaire"
    UNCONFIRMED = "U", "Non confirmé"


class LegalParameter(models.Model):
    """One value of a legal parameter from a date of effect; rows are never edited."""

    key = models.CharField(max_length=64)
    # Blank: every territory; otherwise a département code (Mayotte has its own AFIS amount).
    territory = models.CharField(max_length=3, blank=True, default="")
    value = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=16)
    effective_from = models.DateField()
    label = models.CharField(max_length=200)
    source = models.CharField(max_length=300)
    confidence = models.CharField(max_length=1, choices=Confidence.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "territory", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "territory", "effective_from"], name="legal_parameter_dated_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value} {self.unit} ({french_date(self.effective_from)})"
