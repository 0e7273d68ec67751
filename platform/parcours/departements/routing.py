"""Host → département map, kept in process memory.

Stock django-tenants looks the domain up in the database and re-issues `SET search_path` on
every request. Here the map of ~101 hosts is loaded in one query and kept for a short time;
a miss reloads it (at most once a second, so random hosts cannot hammer the database), and
provisioning in this process forgets it at once. A suspension reaches other processes within
`TTL_SECONDS`.
"""

from __future__ import annotations

import threading
import time

from parcours.departements.models import Domain, Tenant

TTL_SECONDS = 30.0
MISS_RELOAD_INTERVAL = 1.0

_lock = threading.Lock()
_hosts: dict[str, Tenant] = {}
_loaded_at = 0.0


def _load() -> None:
    global _hosts, _loaded_at
    _hosts = {
        domain.domain: domain.tenant for domain in Domain.objects.select_related("tenant").all()
    }
    _loaded_at = time.monotonic()


def tenant_for_host(host: str) -> Tenant | None:
    now = time.monotonic()
    with _lock:
        if now - _loaded_at > TTL_SECONDS:
            _load()
        tenant = _hosts.get(host)
        if tenant is None and now - _loaded_at > MISS_RELOAD_INTERVAL:
            _load()
            tenant = _hosts.get(host)
        return tenant


def forget_hosts() -> None:
    global _loaded_at
    with _lock:
        _loaded_at = 0.0
