"""Password sign-in: Django's backend, with the person of each signed-in request read along
with their memberships (`permissions.signed_in_user`)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from parcours.accounts.models import User
from parcours.accounts.permissions import signed_in_user

# The backend a session opened with a password (or handed over between hosts) records.
PASSWORD_BACKEND = "parcours.accounts.backends.PasswordBackend"


def user_of_session(backend: ModelBackend, user_id: Any) -> User | None:
    """What `get_user` answers for every backend of the platform: the person, unless the
    account was deactivated (Django's rule: an inactive account's sessions end)."""
    user = signed_in_user(user_id=int(user_id))
    return user if user is not None and backend.user_can_authenticate(user) else None


class PasswordBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        return user_of_session(self, user_id)
