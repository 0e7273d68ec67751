"""National reads from a streaming replica, when one is configured and fresh enough.

Only reads that tolerate a few seconds of delay go there: national releases' inputs, dashboards
and open data, all anonymised aggregates of the public schema. They opt in explicitly
(`with replica_reads():` or the `reads_from_replica` decorator); every other read, and every
write, stays on the primary, so nobody reads a stale copy of what they just wrote.

The replica is used only while its lag is within `DATABASE_REPLICA_MAX_LAG` seconds; stale,
disconnected from its primary, or down, reads fall back to the primary. The check is cached for
`DATABASE_REPLICA_CHECK_EVERY` seconds per process, so it costs one small query now and then.

django-tenants: the replica connection uses the same backend and stays on the public schema; the
router only sends models of a few shared apps there (`DATABASE_REPLICA_APPS`: never a tenant
app, nor `parcours.audit`, which lives in both), so a tenant schema is never read through it.
A release's consolidation stays on the primary: it reads every département's schema and must
see the latest privacy-budget spends before writing; what it publishes is then read from the
replica by the dashboards, the figures and the open data.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Model

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

REPLICA = "replica"
DEFAULT_APPS = ("parcours.reporting", "parcours.referentiel")
_wanted: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_reads", default=False)

# The standard lag formula: zero when everything received is replayed (an idle primary writes
# nothing, so the last replayed transaction may be old without the copy being stale).
LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END,
       (SELECT status FROM pg_stat_wal_receiver)
"""


def replica_apps() -> set[str]:
    """Apps whose reads may lag: national aggregates and reference data, never accounts or
    sessions (a person just signed in must not look signed out), never a tenant app."""
    apps = set(getattr(settings, "DATABASE_REPLICA_APPS", DEFAULT_APPS))
    return (apps & set(settings.SHARED_APPS)) - set(settings.TENANT_APPS)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads of national aggregates inside this block may come from the replica."""
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


def reads_from_replica(view: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped


class ReplicaRouter:
    """Before django-tenants' router in DATABASE_ROUTERS; answers None where it has no say."""

    def __init__(self, *, replica: str = REPLICA, primary: str = "default") -> None:
        self.replica = replica
        self.primary = primary
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._usable = False

    def _configured(self) -> bool:
        return self.replica in connections.settings

    def lag(self) -> float | None:
        """Seconds behind the primary; None when the replica is down or not streaming."""
        try:
            with connections[self.replica].cursor() as cursor:
                cursor.execute(LAG_SQL)
                in_recovery, lag, receiver = cursor.fetchone()
        except DatabaseError as exc:
            log.warning("replica unreachable, reading from the primary: %s", exc)
            connections[self.replica].close()
            return None
        if not in_recovery:
            return None  # promoted: it is no longer a copy of our primary
        if receiver != "streaming":
            return None  # cut from its primary: its age is unknown
        if lag is None:
            return float("inf")  # behind, and nothing replayed since it started: age unknown
        return float(lag)

    def usable(self) -> bool:
        now = time.monotonic()
        every = float(getattr(settings, "DATABASE_REPLICA_CHECK_EVERY", 5))
        with self._lock:
            if now - self._checked_at < every:
                return self._usable
        lag = self.lag()
        usable = lag is not None and lag <= float(getattr(settings, "DATABASE_REPLICA_MAX_LAG", 30))
        with self._lock:
            self._checked_at, self._usable = now, usable
        return usable

    def forget(self) -> None:
        with self._lock:
            self._checked_at = float("-inf")

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if not _wanted.get() or not self._configured():
            return None
        app = model._meta.app_config
        if app is None or app.name not in replica_apps():
            return None
        return self.replica if self.usable() else self.primary

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return self.primary

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # The same rows on both: an object read from the replica may point at one of the primary.
        databases = {self.primary, self.replica}
        if obj1._state.db in databases and obj2._state.db in databases:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == self.replica else None
