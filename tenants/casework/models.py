"""Persons, their exit pathway (PSP), its files (first request, renewals), periods and rights.

Stored in the département's schema. Identity fields are encrypted in the application
(crypto.py); everywhere else a person is known by a stable pseudonym (`PSP-31-2026-0042`).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from django.db import models
from django.utils import timezone

from parcours.db import connection
from parcours.departements.models import Tenant
from parcours.french import french_date
from parcours.referentiel.calendar import delai_franc_last_day
from parcours.referentiel.decisions import Avis  # defined once for the national statistics too
from parcours.referentiel.selectors import legal_parameter_value
from parcours.workflows.definition import Clock, Workflow


class TenantKey(models.Model):
    """The département's data key, wrapped by the platform's master key (see crypto.py)."""

    wrapped_key = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"data key #{self.pk}"


class PseudonymCounter(models.Model):
    year = models.PositiveIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Lifecycle(models.TextChoices):
    """Where a person's data stands in its retention (tenants/retention): the active base, the
    intermediate archive (the DPO alone reads it, with a reason), or anonymised for good."""

    ACTIVE = "active", "Base active"
    ARCHIVED = "archived", "Archivé"
    ANONYMISED = "anonymised", "Anonymisé"


class PersonQuerySet(models.QuerySet["Person"]):
    def in_active_base(self) -> PersonQuerySet:
        """The persons the follow-up works with: neither archived nor anonymised."""
        return self.filter(lifecycle=Lifecycle.ACTIVE)


class DossierQuerySet(models.QuerySet["Dossier"]):
    def in_active_base(self) -> DossierQuerySet:
        """The files of persons in the active base (see PersonQuerySet.in_active_base)."""
        return self.filter(person__lifecycle=Lifecycle.ACTIVE)

    def with_rules(self) -> DossierQuerySet:
        """Each file with its workflow variant, whose JSON is left in the database: the typed
        workflow is built once per process and variant (`WorkflowVariant.workflow`), so a list
        would decode the same definition once per row for nothing."""
        return self.select_related("workflow_variant").defer(
            "workflow_variant__definition", "workflow_variant__adjustments"
        )


class Person(models.Model):
    # Unique through Meta.constraints, not `unique=True`, which would add a second index
    # (varchar_pattern_ops, for LIKE) that no query uses: every index costs each new schema.
    pseudonym = models.CharField(max_length=32)
    # No index of its own: person_assoc_idx starts with this column.
    association = models.ForeignKey(
        "associations.Association", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # Names, birth date, nationality, contacts, identity document references: encrypted JSON.
    identity_encrypted = models.TextField()
    children_count = models.PositiveSmallIntegerField(default=0)
    languages = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    last_contact_on = models.DateField(null=True, blank=True)
    lifecycle = models.CharField(max_length=16, choices=Lifecycle.choices, default=Lifecycle.ACTIVE)
    archived_on = models.DateField(null=True, blank=True)
    anonymised_on = models.DateField(null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["association", "-created_at"], name="person_assoc_idx")]
        constraints = [models.UniqueConstraint(fields=["pseudonym"], name="person_pseudonym_uniq")]

    def __str__(self) -> str:
        return self.pseudonym


class PersonNameToken(models.Model):
    """One part of a person's name as a keyed hash (tenants/casework/name_index.py): what a
    search by name compares, never the name itself."""

    # No index of its own: person_name_token_uniq starts with this column.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", db_index=False)
    token = models.CharField(max_length=32)
    key_id = models.IntegerField(help_text="the data key the token's key was derived from")

    class Meta:
        indexes = [models.Index(fields=["token"], name="person_name_token_idx")]
        constraints = [
            models.UniqueConstraint(fields=["person", "token"], name="person_name_token_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.token}"


class PathwayStatus(models.TextChoices):
    REQUESTED = "requested", "Demande en cours"
    ACTIVE = "active", "En cours"
    REFUSED = "refused", "Refusé"
    ENDED_EARLY = "ended_early", "Arrêté avant terme"
    COMPLETED = "completed", "Terminé (durée atteinte)"
    EXITED = "exited", "Sorti du parcours"
    WITHDRAWN = "withdrawn", "Demande retirée"


class Pathway(models.Model):
    """A person's exit pathway: periods of 6 months, 24 months at most in all."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="pathways")
    status = models.CharField(
        max_length=16, choices=PathwayStatus.choices, default=PathwayStatus.REQUESTED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.TextField(blank=True)
    exit_outcome = models.CharField(max_length=64, blank=True)
    exited_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Parcours {self.person_id} ({self.get_status_display()})"


class DossierKind(models.TextChoices):
    FIRST_REQUEST = "first_request", "Première demande"
    RENEWAL = "renewal", "Renouvellement"


class Decision(models.TextChoices):
    AUTHORISED = "authorised", "Autorisation"
    REFUSED = "refused", "Refus"


class NotificationChannel(models.TextChoices):
    HAND = "hand", "Remise en main propre"
    MAIL = "mail", "Courrier recommandé"
    ASSOCIATION = "association", "Par l'association"
    EMAIL = "email", "Courriel"


class Dossier(models.Model):
    """One request (first or renewal), run by the workflow version it started on."""

    # No index of its own: dossier_number_per_pathway starts with this column.
    pathway = models.ForeignKey(
        Pathway, on_delete=models.PROTECT, related_name="dossiers", db_index=False
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="dossiers")
    # No index of its own: dossier_assoc_idx starts with this column.
    association = models.ForeignKey(
        "associations.Association", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=16, choices=DossierKind.choices)
    number = models.PositiveSmallIntegerField(help_text="1 for the first request, 2… for renewals")
    workflow_variant = models.ForeignKey(
        "workflows.WorkflowVariant", on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=32)
    extra = models.JSONField(default=dict, blank=True)

    association_avis = models.CharField(max_length=16, choices=Avis.choices, blank=True)
    association_avis_motivation = models.TextField(blank=True)
    association_avis_on = models.DateField(null=True, blank=True)

    submitted_at = models.DateTimeField(null=True, blank=True)
    clock_paused_since = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    missing_items = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="entered a final state")

    session_on = models.DateField(null=True, blank=True)
    commission_avis = models.CharField(max_length=16, choices=Avis.choices, blank=True)
    commission_votes_for = models.PositiveSmallIntegerField(null=True, blank=True)
    commission_votes_against = models.PositiveSmallIntegerField(null=True, blank=True)
    commission_abstentions = models.PositiveSmallIntegerField(null=True, blank=True)
    commission_avis_on = models.DateField(null=True, blank=True)

    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    decision_motivation = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    start_on = models.DateField(null=True, blank=True)

    notified_on = models.DateField(null=True, blank=True)
    notification_channel = models.CharField(
        max_length=16, choices=NotificationChannel.choices, blank=True
    )
    notification_acknowledged_on = models.DateField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "submitted_at"], name="dossier_queue_idx"),
            models.Index(fields=["association", "-created_at"], name="dossier_assoc_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "number"], name="dossier_number_per_pathway")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} – {self.get_kind_display()} {self.number}"

    @property
    def workflow(self) -> Workflow:
        """The rules the file runs by: the variant it started on, never a later one."""
        return self.workflow_variant.workflow

    @property
    def state_label(self) -> str:
        return self.workflow.label(self.state)

    @property
    def is_editable(self) -> bool:
        """The association still edits the file (before submission, or asked for items)."""
        return self.state in self.workflow.editable_states

    @property
    def is_authorised(self) -> bool:
        """The préfet's decision authorised the pathway (the letter says so)."""
        return self.decision == Decision.AUTHORISED

    @property
    def is_awaiting_items(self) -> bool:
        """Missing items were asked for and the file waits on the association (clock paused)."""
        return self.workflow.clock(self.state) is Clock.PAUSED

    @property
    def is_open(self) -> bool:
        return self.state not in self.workflow.final_states

    def processing_days(self, *, now: dt.datetime | None = None) -> int | None:
        """Days the file has been waiting on the administration (pauses excluded)."""
        return waiting_days(self, now=now)

    def appeal_deadline(self) -> dt.date | None:
        """Last day to appeal (None until notified): a délai franc from the notification.

        The delay runs from the day the person received the decision: the acknowledgement of
        receipt when one is recorded later than the sending. It ends the day after the same
        date `appeal_delay_months` later, pushed past weekends and the département's public
        holidays (`referentiel/calendar.py`).
        """
        if self.notified_on is None:
            return None
        received = max(self.notified_on, self.notification_acknowledged_on or self.notified_on)
        months = int(legal_parameter_value(key="appeal_delay_months", on=received))
        return delai_franc_last_day(
            start=received,
            months=months,
            departement_code=Tenant.code_for(connection.schema_name),
        )


class Clocked(Protocol):
    """What a file's delay is worked out from: a Dossier, or a list's row of one."""

    @property
    def submitted_at(self) -> dt.datetime | None: ...
    @property
    def decided_at(self) -> dt.datetime | None: ...
    @property
    def closed_at(self) -> dt.datetime | None: ...
    @property
    def clock_paused_since(self) -> dt.datetime | None: ...
    @property
    def paused_seconds(self) -> int: ...


def waiting_days(file: Clocked, *, now: dt.datetime | None = None) -> int | None:
    """Days a file has been waiting on the administration, pauses excluded (None before its
    submission): from the submission to the decision, the closing, or now."""
    if file.submitted_at is None:
        return None
    end = file.decided_at or file.closed_at or now or timezone.now()
    paused = file.paused_seconds
    if file.clock_paused_since:
        paused += int((end - file.clock_paused_since).total_seconds())
    return max(0, int(((end - file.submitted_at).total_seconds() - paused) // 86400))


class Period(models.Model):
    # No index of its own: period_number_per_pathway starts with this column.
    pathway = models.ForeignKey(
        Pathway, on_delete=models.PROTECT, related_name="periods", db_index=False
    )
    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, related_name="period")
    number = models.PositiveSmallIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="last day of the period")
    ended_early_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["pathway", "number"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "number"], name="period_number_per_pathway"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="period_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Période {self.number} ({self.starts_on} – {self.ends_on})"


class DossierEvent(models.Model):
    """The file's timeline: every transition, who fired it, when, from where to where."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="events")
    transition = models.CharField(max_length=64)
    from_state = models.CharField(max_length=32)
    to_state = models.CharField(max_length=32)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_role = models.CharField(max_length=32, blank=True)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dossier", "at", "id"]

    def __str__(self) -> str:
        return f"{self.transition}: {self.from_state} → {self.to_state}"


class NeedsDomain(models.TextChoices):
    HEALTH = "sante", "Santé"
    SOCIAL = "social", "Social"
    PROFESSIONAL = "professionnel", "Professionnel"


class NeedsEvaluation(models.Model):
    """The evaluation of one domain of needs, done with the person and signed off by the association."""

    # No index of its own: evaluation_domain_per_dossier starts with this column.
    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="evaluations", db_index=False
    )
    domain = models.CharField(max_length=16, choices=NeedsDomain.choices)
    # [{"code": "...", "label": "...", "need": true|false}] — structured, no free text.
    items = models.JSONField(default=list, blank=True)
    notes_encrypted = models.TextField(blank=True)
    evaluated_on = models.DateField()
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["dossier", "domain"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "domain"], name="evaluation_domain_per_dossier"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_domain_display()} ({self.evaluated_on})"


class ProjectDomain(models.TextChoices):
    HOUSING = "logement", "Logement"
    SHELTER = "hebergement", "Hébergement"
    CARE = "soins", "Soins"
    RIGHTS = "acces_droits", "Accès aux droits"
    SOCIAL = "insertion_sociale", "Insertion sociale"
    PROFESSIONAL = "insertion_professionnelle", "Insertion professionnelle"


class InsertionProject(models.Model):
    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, related_name="project")
    goals = models.JSONField(default=dict, blank=True, help_text="domain → list of goals")
    commitments = models.TextField(blank=True, help_text="the person's commitments")
    signed_on = models.DateField(
        null=True, blank=True, help_text="co-signed by the person and the association"
    )

    def __str__(self) -> str:
        return f"Projet d'insertion {self.dossier_id}"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Prévue"
    IN_PROGRESS = "in_progress", "En cours"
    DONE = "done", "Réalisée"
    ABANDONED = "abandoned", "Abandonnée"


class ProjectAction(models.Model):
    project = models.ForeignKey(InsertionProject, on_delete=models.CASCADE, related_name="actions")
    domain = models.CharField(max_length=32, choices=ProjectDomain.choices)
    description = models.CharField(max_length=300)
    partner = models.CharField(max_length=200, blank=True)
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )

    class Meta:
        ordering = ["project", "due_on", "id"]

    def __str__(self) -> str:
        return self.description


class Document(models.Model):
    """An uploaded piece, stored under the département's own folder, served after a permission check."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="documents")
    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    doc_type = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=200)  # unique: Meta.constraints (see Person)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by_id = models.BigIntegerField(null=True, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dossier", "doc_type", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["storage_name"], name="document_storage_name_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.doc_type} ({french_date(self.uploaded_at)})"


class RightStatus(models.TextChoices):
    TODO = "todo", "À faire"
    REQUESTED = "requested", "Demandé"
    GRANTED = "granted", "Obtenu"
    REFUSED = "refused", "Refusé"
    ENDED = "ended", "Terminé"


class Right(models.Model):
    """A right or service followed for the person (AFIS, APS, housing, care, …)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="rights")
    pathway = models.ForeignKey(
        Pathway, on_delete=models.PROTECT, null=True, blank=True, related_name="rights"
    )
    right_type = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=RightStatus.choices, default=RightStatus.TODO)
    requested_on = models.DateField(null=True, blank=True)
    granted_on = models.DateField(null=True, blank=True)
    refused_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(
        null=True, blank=True, help_text="planned or actual end (AFIS stop, APS expiry)"
    )
    details = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["person", "right_type"]

    def __str__(self) -> str:
        return f"{self.right_type} ({self.get_status_display()})"


class ReminderKind(models.TextChoices):
    PERIOD_ENDING = "period_ending", "Fin de période proche"
    APS_EXPIRING = "aps_expiring", "APS bientôt expirée"
    WAITING_INSTRUCTION = "waiting_instruction", "Dossier en attente d'instruction"
    WAITING_DECISION = "waiting_decision", "Décision en attente"
    MISSING_ITEMS_UNANSWERED = "missing_items_unanswered", "Pièces manquantes sans réponse"


class Reminder(models.Model):
    """A deadline reminder, created (and e-mailed) once: `key` makes it unique."""

    key = models.CharField(max_length=120)  # unique: Meta.constraints (see Person)
    kind = models.CharField(max_length=32, choices=ReminderKind.choices)
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    right = models.ForeignKey(
        Right, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    role = models.CharField(max_length=32)
    association_id = models.BigIntegerField(null=True, blank=True)
    message = models.CharField(max_length=300, help_text="pseudonyms only")
    due_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["key"], name="reminder_key_uniq")]

    def __str__(self) -> str:
        return self.message
