"""National statistics (public schema): releases, their restricted staging counts, and the
published figures that national roles, the API and exports read.

Only counts live here: never a row per person, never an identity, never free text.
"""

from __future__ import annotations

from django.db import models
from django.utils.text import slugify

from parcours.french import MONTHS, french_date


class PeriodKind(models.TextChoices):
    YEAR = "year", "Année"
    QUARTER = "quarter", "Trimestre"
    MONTH = "month", "Mois"


class ReleaseStatus(models.TextChoices):
    RUNNING = "running", "En cours"
    PUBLISHED = "published", "Publiée"
    FAILED = "failed", "Échouée"


class Release(models.Model):
    """One publication for a fixed period; re-running it replaces it (one row per period)."""

    period_kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    snapshot_on = models.DateField(help_text="stock figures are counted on this day")
    status = models.CharField(
        max_length=16, choices=ReleaseStatus.choices, default=ReleaseStatus.RUNNING
    )
    # k, the bands and the indicators, as applied: figures always show the rules they follow.
    rules = models.JSONField(default=dict)
    departements_expected = models.JSONField(default=list, help_text="codes asked to extract")
    departements_included = models.JSONField(default=list, help_text="codes extracted")
    # {code: error class}: a département that failed is shown as missing; the others publish.
    departements_missing = models.JSONField(default=dict)
    started_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    requested_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-period_end", "period_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "period_start"], name="release_one_per_period"
            )
        ]

    def __str__(self) -> str:
        return self.period_name

    @property
    def period_name(self) -> str:
        """The period in words, as pages and documents write it: "Année 2024", "1er trimestre
        2024", "Juillet 2024" (one release per period, so the name also names the release)."""
        year = self.period_start.year
        if self.period_kind == PeriodKind.YEAR:
            return f"Année {year}"
        if self.period_kind == PeriodKind.QUARTER:
            quarter = (self.period_start.month - 1) // 3 + 1
            return f"{quarter}{'er' if quarter == 1 else 'e'} trimestre {year}"
        return f"{MONTHS[self.period_start.month - 1].capitalize()} {year}"

    @property
    def period_slug(self) -> str:
        """The period in a file name: "annee-2024", "3e-trimestre-2024", "juillet-2024"."""
        return slugify(self.period_name)

    @property
    def period_label(self) -> str:
        """How the period is named on charts and documents: 2024, T3 2024, 07/2024."""
        if self.period_kind == PeriodKind.YEAR:
            return f"{self.period_start:%Y}"
        if self.period_kind == PeriodKind.QUARTER:
            return f"T{(self.period_start.month - 1) // 3 + 1} {self.period_start:%Y}"
        return f"{self.period_start:%m/%Y}"

    @property
    def progress(self) -> tuple[int, int]:
        """Départements done (extracted or failed) out of those asked."""
        done = len(self.departements_included) + len(self.departements_missing)
        return done, len(self.departements_expected)


class StagingCount(models.Model):
    """A département's raw count, read only by the consolidation and purged once published."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="+")
    departement = models.CharField(max_length=3)
    indicator = models.CharField(max_length=40)
    dimension = models.CharField(max_length=40, blank=True, help_text="empty for the total")
    category = models.CharField(max_length=64, blank=True, help_text="empty for the total")
    value = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["release", "departement", "indicator", "dimension", "category"],
                name="staging_count_uniq",
            )
        ]

    def __str__(self) -> str:
        return f"{self.departement} {self.indicator} {self.dimension}={self.category}"


class Level(models.TextChoices):
    DEPARTEMENT = "departement", "Département"
    REGION = "region", "Région"
    FRANCE = "france", "France"


class Disclosure(models.TextChoices):
    EXACT = "exact", "Exact"
    BANDED = "banded", "Par tranche"
    SUPPRESSED = "suppressed", "Secret statistique"


class PublishedFigure(models.Model):
    """One figure as published: `shown` is what anyone sees ("12", "1–5", "s")."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="figures")
    level = models.CharField(max_length=16, choices=Level.choices)
    code = models.CharField(max_length=3, help_text="département or région code; FR for France")
    indicator = models.CharField(max_length=40)
    dimension = models.CharField(max_length=40, blank=True)
    category = models.CharField(max_length=64, blank=True)
    disclosure = models.CharField(max_length=16, choices=Disclosure.choices)
    shown = models.CharField(max_length=16)
    value = models.PositiveIntegerField(null=True, blank=True, help_text="only when exact")
    band_low = models.PositiveIntegerField(null=True, blank=True)
    band_high = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["indicator", "dimension", "level", "code", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "indicator", "dimension", "level", "code", "category"],
                name="published_figure_uniq",
            )
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.code} {self.indicator} {self.category}: {self.shown}"


class ReportStatus(models.TextChoices):
    PENDING = "pending", "En cours"
    READY = "ready", "Prêt"
    FAILED = "failed", "Échoué"


class NationalReport(models.Model):
    """The national annual report (PDF) of a published year release.

    Each request after a finished report is a new version, kept: a report may have been sent
    out, and the release it was drawn from may since have been re-run (`release_published_at`
    says which publication it shows). At most one version per release is pending at a time.

    The PDF is stored in this row (public schema) rather than in a file: it is a few hundred
    kilobytes, written in the same transaction as its status (no orphan file, no row without
    its file), readable by every web and worker process without a shared volume, and outside
    every département's folder.
    """

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="reports")
    version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    requested_at = models.DateTimeField()
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    release_published_at = models.DateTimeField(
        null=True, blank=True, help_text="the publication of the release the PDF shows"
    )
    generated_at = models.DateTimeField(null=True, blank=True)
    pdf = models.BinaryField(null=True, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "version"], name="national_report_version_uniq"
            ),
            models.UniqueConstraint(
                fields=["release"],
                condition=models.Q(status="pending"),
                name="national_report_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"Rapport {self.release_id} v{self.version} ({self.get_status_display()})"

    @property
    def filename(self) -> str:
        return f"rapport-national-{self.release.period_slug}-v{self.version}.pdf"

    @property
    def outdated(self) -> bool:
        """Drawn from a publication of its period since replaced by a re-run."""
        return (
            self.status == ReportStatus.READY
            and self.release_published_at is not None
            and self.release_published_at != self.release.published_at
        )


# The optional differentially private release of the open data (`privacy.py`): a yearly ε
# budget, a ledger of what each release reserved and spent, and its noisy figures.


class PrivacyBudget(models.Model):
    """The ε a year's releases may spend in all: releases of periods within that year draw on it.

    Created from the dated legal parameter `statistics_dp_epsilon_per_year` when a year is first
    drawn on, and set by the national operator (audited)."""

    year = models.PositiveSmallIntegerField(unique=True)
    epsilon_total = models.DecimalField(max_digits=6, decimal_places=3)
    set_by_id = models.BigIntegerField(null=True, blank=True, help_text="empty: the default")
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(epsilon_total__gte=0), name="privacy_budget_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}: ε = {self.epsilon_total}"


class SpendStatus(models.TextChoices):
    RESERVED = "reserved", "Réservé (calcul en cours)"
    SPENT = "spent", "Dépensé (publié)"
    RELEASED = "released", "Libéré (publication échouée ou relancée)"


class PrivacySpend(models.Model):
    """One line of a year's ledger: the ε a release asked for, reserved when it starts, spent
    when its noisy figures are published, released if it fails or is started again first.

    A spent line is never released: what was published stays published, even when the release
    is re-run and its figures replaced."""

    budget = models.ForeignKey(PrivacyBudget, on_delete=models.PROTECT, related_name="spends")
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="privacy_spends")
    epsilon = models.DecimalField(max_digits=6, decimal_places=3)
    status = models.CharField(
        max_length=16, choices=SpendStatus.choices, default=SpendStatus.RESERVED
    )
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    requested_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    # The mechanism as applied (OpenDP, scale, each indicator's bound and ε), once published.
    rules = models.JSONField(default=dict)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(epsilon__gt=0), name="privacy_spend_positive"
            ),
            # One reservation at a time per release: a restart releases the previous one first.
            models.UniqueConstraint(
                fields=["release"],
                condition=models.Q(status="reserved"),
                name="privacy_spend_one_reservation_per_release",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.budget.year} release {self.release_id}: ε = {self.epsilon} ({self.status})"


class DpFigure(models.Model):
    """A differentially private figure: a noisy count, never exact and never banded, kept apart
    from `PublishedFigure` so that no page, export or endpoint can take one for the other. Its
    error (the 95 % interval) follows from the scale of its query, stored with the ledger line
    (`spend.rules["queries"]`)."""

    spend = models.ForeignKey(PrivacySpend, on_delete=models.PROTECT, related_name="figures")
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="dp_figures")
    level = models.CharField(max_length=16, choices=Level.choices)
    code = models.CharField(max_length=3, help_text="département or région code; FR for France")
    indicator = models.CharField(max_length=40)
    dimension = models.CharField(max_length=40, blank=True, help_text="empty for a total")
    category = models.CharField(max_length=64, blank=True, help_text="empty for a total")
    value = models.PositiveIntegerField(help_text="noisy, clamped at 0")

    class Meta:
        ordering = ["indicator", "dimension", "level", "code", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "indicator", "dimension", "level", "code", "category"],
                name="dp_figure_cell_uniq",
            )
        ]

    def __str__(self) -> str:
        cell = f" {self.dimension}={self.category}" if self.dimension else ""
        return f"{self.level} {self.code} {self.indicator}{cell}: {self.value} (bruité)"


class CommissionStatus(models.Model):
    """A département's commission as it stands today: facts about the institution, one row per
    département, replaced by each computation in the département's own schema (daily, on the
    national operator's request). Codes and counts only: no member, no person, no free text."""

    departement = models.CharField(max_length=3, unique=True)
    computed_at = models.DateTimeField()
    computed_on = models.DateField(help_text="the département's day the facts hold on")
    # The composition set by arrêté: {college code: [titular seats, seats a titular holds]},
    # the chair's seat included in the chair's college.
    colleges = models.JSONField(default=dict)
    colleges_without_titular = models.JSONField(
        default=list, help_text="codes of colleges sitting on files where no titular sits"
    )
    seats = models.PositiveIntegerField(default=0)
    seats_filled = models.PositiveIntegerField(default=0)
    titulars = models.PositiveIntegerField(default=0, help_text="in mandate, the chair aside")
    chair_in_office = models.BooleanField(default=False)
    mandates_ending = models.PositiveIntegerField(
        default=0, help_text="seats filled today that no appointed titular holds in 90 days"
    )
    sessions_minimum = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="the legal yearly minimum in force on the day"
    )
    sessions_held_year = models.PositiveIntegerField(default=0)
    sessions_without_quorum_year = models.PositiveIntegerField(default=0)
    sessions_held_12_months = models.PositiveIntegerField(default=0)
    sessions_convened_rest_of_year = models.PositiveIntegerField(default=0)
    last_session_on = models.DateField(null=True, blank=True)
    next_session_on = models.DateField(null=True, blank=True)
    files_overdue = models.PositiveIntegerField(default=0)
    approvals_expiring = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["departement"]

    def __str__(self) -> str:
        return f"Commission {self.departement} au {french_date(self.computed_on)}"
