"""Django's database sessions (SESSION_ENGINE), each request's read sent as one statement
written once: every request but the anonymous ones reads its session, and the ORM took longer
composing that one-table lookup than PostgreSQL took to answer it. Everything else (saving,
rotating, deleting, expiry) is Django's own."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone

# The columns and conditions of Django's `Session.objects.get(session_key=…,
# expire_date__gt=now)`: an expired session is not read, as there.
_READ = (
    f'SELECT "session_data", "expire_date" FROM "{Session._meta.db_table}" '
    'WHERE "session_key" = %s AND "expire_date" > %s'
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        key = self.session_key
        if key is None:
            return None
        with connections[router.db_for_read(Session)].cursor() as cursor:
            cursor.execute(_READ, [key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            # As Django's: an unknown or expired key is forgotten, a new one is made on save.
            self._session_key = None
            return None
        return Session(session_key=key, session_data=row[0], expire_date=row[1])
