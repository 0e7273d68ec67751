"""One account per person across the platform; what they may do comes from memberships."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Role(models.TextChoices):
    NATIONAL_OPERATOR = "national_operator", "Opérateur national"
    NATIONAL_ANALYST = "national_analyst", "Analyste national (SDFE)"
    PREFET = "prefet", "Préfet / signataire"
    COORDINATOR = "coordinator", "Coordination (DDFE)"
    MEMBER = "member", "Membre de la commission"
    ASSOCIATION_WORKER = "association_worker", "Intervenant·e d'association"
    DPO = "dpo", "Délégué·e à la protection des données"


NATIONAL_ROLES = frozenset({Role.NATIONAL_OPERATOR, Role.NATIONAL_ANALYST})
TENANT_ROLES = frozenset(set(Role) - NATIONAL_ROLES)


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    email = models.EmailField(unique=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.email


class Membership(models.Model):
    """A role held by a person, in one département (or nationally when `tenant` is empty)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(
        "departements.Tenant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    association = models.ForeignKey(
        "associations.Association",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant__code", "role"]
        constraints = [
            models.CheckConstraint(
                name="membership_national_roles_have_no_tenant",
                condition=(
                    Q(role__in=sorted(r.value for r in NATIONAL_ROLES), tenant__isnull=True)
                    | (
                        ~Q(role__in=sorted(r.value for r in NATIONAL_ROLES))
                        & Q(tenant__isnull=False)
                    )
                ),
            ),
            models.CheckConstraint(
                name="membership_association_only_for_workers",
                condition=(
                    Q(role=Role.ASSOCIATION_WORKER, association__isnull=False)
                    | (~Q(role=Role.ASSOCIATION_WORKER) & Q(association__isnull=True))
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "tenant", "role"],
                name="membership_one_role_per_tenant",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        where = self.tenant.name if self.tenant_id and self.tenant else "national"
        return f"{self.get_role_display()} – {where}"


class ApiToken(models.Model):
    """A bearer token of the API, of one person, for a working day by default.

    Only a digest of the key is stored (a leaked table opens nothing); the person sees the
    first characters to tell their tokens apart. A token dies when it expires, when it is
    revoked, when the password changes (it remembers the password's session hash) and when
    the person no longer holds any role (api/authentication.py).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    password_digest = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The second factor proved before the token was issued (accounts/mfa.py): a token issued
    # before second factors existed has none, and reads nothing an MFA role protects.
    second_factor = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        indexes: ClassVar = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"

    def is_live(self, *, now: Any) -> bool:
        return self.revoked_at is None and now < self.expires_at
