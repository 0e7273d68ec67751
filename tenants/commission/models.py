"""The commission: its members by college, sessions, agendas, attendance, proxies and votes.

Stored in the département's schema. Rules (CASF R.121-12-7, CRPA R.133-3 to R.133-15): 3-year
mandates, convocation 5 days ahead, quorum of half the members composing the commission (its
titular seats, the chair's included) present or represented, checked with each avis; one vote
per seat; one proxy per member and only to another member, abstention on conflicts, majority
with the chair's casting vote, a second convocation only after a recorded carence, minutes sent
to all.
"""

from __future__ import annotations

import datetime as dt

from django.db import models

from parcours.french import french_datetime


class EndReason(models.TextChoices):
    RESIGNATION = "resignation", "Démission"
    DEATH = "death", "Décès"
    CHANGE_OF_POST = "change_of_post", "Changement de fonctions"
    OTHER = "other", "Autre motif"


class MemberQuerySet(models.QuerySet["Member"]):
    def in_mandate_on(self, day: dt.date) -> MemberQuerySet:
        """Members whose mandate covers `day` and had not ended early by then (the query form of
        `Member.in_mandate_on`)."""
        return self.filter(mandate_start__lte=day, mandate_end__gte=day).filter(
            models.Q(ended_on__isnull=True) | models.Q(ended_on__gt=day)
        )


class Member(models.Model):
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    college = models.CharField(max_length=64, help_text="code of the 'college' nomenclature")
    titular = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="substitutes",
        help_text="empty for a titular member; the titular replaced for a substitute",
    )
    association = models.ForeignKey(
        "associations.Association",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="the association a member of the associations college represents",
    )
    is_chair = models.BooleanField(default=False)
    arrete_reference = models.CharField("référence de l'arrêté", max_length=100)
    arrete_on = models.DateField("date de l'arrêté")
    arrete_storage_name = models.CharField(max_length=200, blank=True, help_text="the arrêté's PDF")
    mandate_start = models.DateField()
    mandate_end = models.DateField()
    ended_on = models.DateField(
        null=True, blank=True, help_text="first day the member no longer sits (mandate ended early)"
    )
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["college", "titular_id", "id"]

    def __str__(self) -> str:
        return f"{self.college} #{self.pk}"

    @property
    def is_titular(self) -> bool:
        return self.titular_id is None

    def in_mandate_on(self, day: dt.date) -> bool:
        """The mandate covers `day` and had not ended early by then: `ended_on` is the first
        day the member no longer sits. The one definition of "in mandate" (composition, quorum,
        minutes, who may read the sessions)."""
        return self.mandate_start <= day <= self.mandate_end and (
            self.ended_on is None or self.ended_on > day
        )


class SessionStatus(models.TextChoices):
    PLANNED = "planned", "Prévue"
    CONVENED = "convened", "Convoquée"
    OPEN = "open", "En cours"
    CLOSED = "closed", "Close"


# How early before its convened hour a session may be opened.
OPENING_MARGIN = dt.timedelta(minutes=30)


class SessionQuerySet(models.QuerySet["Session"]):
    def taking_files(self, now: dt.datetime) -> SessionQuerySet:
        """The query form of `Session.takes_files`: the two must say the same."""
        return self.filter(
            status__in=[SessionStatus.PLANNED, SessionStatus.CONVENED],
            second_convocation=False,
            starts_at__gt=now,
        )


class Session(models.Model):
    starts_at = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)
    video_link = models.URLField(blank=True)
    status = models.CharField(
        max_length=16, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    urgent = models.BooleanField(default=False)
    urgent_reason = models.TextField(blank=True)
    second_convocation = models.BooleanField(
        default=False, help_text="convened again after a session without quorum: no quorum required"
    )
    first_session = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="second_sessions",
        help_text="for a second convocation: the session that met without quorum",
    )
    convened_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    carence_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="the session met and recorded that the quorum was not reached (procès-verbal de "
        "carence); only then may a second convocation be sent",
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        # In the active zone: the département's (its requests and tasks activate it).
        return f"Séance du {french_datetime(self.starts_at)}"

    def takes_files(self, now: dt.datetime) -> bool:
        """A complete file may be put on this agenda: planned or convened, not yet begun, on a
        first convocation (a second one keeps the agenda of the session that lacked its
        quorum). The list the file's page offers and `agenda_add_file` both ask this."""
        return (
            self.status in {SessionStatus.PLANNED, SessionStatus.CONVENED}
            and not self.second_convocation
            and self.starts_at > now
        )

    def may_open(self, now: dt.datetime) -> bool:
        """Convened, and its convened hour has come (or is minutes away: members already seated
        may start a little early). Opened hours ahead, it would record attendance and votes
        before the time the members were called to; a session held on paper is transcribed
        later, so a past hour is fine."""
        return self.status == SessionStatus.CONVENED and self.starts_at - OPENING_MARGIN <= now

    def takes_attendance(self) -> bool:
        """Attendance is recorded once the session is convened (members are called to it) and
        until it closes; a session only planned has nobody called yet."""
        return self.status in {SessionStatus.CONVENED, SessionStatus.OPEN}


class Presence(models.TextChoices):
    IN_PERSON = "in_person", "Présent"
    VIDEO = "video", "Présent en visioconférence"
    ABSENT = "absent", "Absent"


class Attendance(models.Model):
    # No index of its own: attendance_once_per_session starts with this column.
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="attendances", db_index=False
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="attendances")
    presence = models.CharField(max_length=16, choices=Presence.choices)
    proxy_to = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proxies_held",
        help_text="an absent member gives a proxy to another member present",
    )

    class Meta:
        ordering = ["session", "member"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"], name="attendance_once_per_session"
            ),
            # One proxy per member at most: a member holds at most one in a session.
            models.UniqueConstraint(
                fields=["session", "proxy_to"],
                condition=models.Q(proxy_to__isnull=False),
                name="attendance_one_proxy_held",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.presence}"


class AgendaItem(models.Model):
    # No index of its own: agenda_position_uniq starts with this column.
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="items", db_index=False
    )
    position = models.PositiveIntegerField()
    dossier = models.ForeignKey(
        "casework.Dossier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
    )
    title = models.CharField(
        max_length=300, blank=True, help_text="policy items; files show a pseudonym"
    )
    avis = models.CharField(max_length=16, blank=True)
    votes_for = models.PositiveSmallIntegerField(null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(null=True, blank=True)
    abstentions = models.PositiveSmallIntegerField(null=True, blank=True)
    casting_vote_used = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The quorum as it stood when the avis was made (CRPA R.133-10 is checked per deliberation).
    quorum_counted = models.PositiveSmallIntegerField(null=True, blank=True)
    quorum_needed = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["session", "position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="agenda_position_uniq"),
            models.UniqueConstraint(
                fields=["session", "dossier"],
                condition=models.Q(dossier__isnull=False),
                name="agenda_file_once_per_session",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Dossier {self.dossier_id}"


class ConflictOfInterest(models.Model):
    # No index of its own: conflict_once starts with this column.
    item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, related_name="conflicts", db_index=False
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="conflict_once")]

    def __str__(self) -> str:
        return f"{self.member_id} sur {self.item_id}"


class VoteChoice(models.TextChoices):
    FAVOURABLE = "favourable", "Favorable"
    UNFAVOURABLE = "unfavourable", "Défavorable"
    ABSTENTION = "abstention", "Abstention"


class Vote(models.Model):
    # No index of its own: vote_once_per_item starts with this column.
    item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, related_name="votes", db_index=False
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="+", help_text="whose vote it is"
    )
    cast_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="+", help_text="who cast it (proxy holder)"
    )
    # Nullable only for votes recorded before seats existed (filled by the migration).
    seat = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        help_text="the titular seat the vote counts for: a seat has one vote, cast by the titular, "
        "else by a substitute present, else by the holder of the titular's proxy",
    )
    choice = models.CharField(max_length=16, choices=VoteChoice.choices)
    cast_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "member"], name="vote_once_per_item"),
            models.UniqueConstraint(fields=["item", "seat"], name="vote_once_per_seat"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.choice}"


class CollegeSetting(models.Model):
    """The département's composition of a college, and whether its members may read health goals.

    The numbers per college are set locally (shared/domain.md); who may see health details is not
    settled by any text, so it is least privilege by default (nobody) and set per college.
    """

    # Unique through Meta.constraints: `unique=True` would add an unused LIKE index.
    college = models.CharField(max_length=64)
    titular_seats = models.PositiveSmallIntegerField(default=1)
    may_see_health = models.BooleanField(default=False)

    class Meta:
        ordering = ["college"]
        constraints = [models.UniqueConstraint(fields=["college"], name="college_setting_uniq")]

    def __str__(self) -> str:
        return f"{self.college}: {self.titular_seats}"
