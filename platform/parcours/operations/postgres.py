"""The PostgreSQL client programs, matched to the server they talk to.

`pg_dump` refuses a server newer than itself and `pg_restore` an archive from a newer `pg_dump`,
so every call picks binaries of the server's major version. They are looked for in the `pgserver`
package (the embedded server of development and tests ships its own), then in the machine's
installations (`/usr/lib/postgresql/<major>/bin`, Debian's layout), then on PATH.
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from django.db import connections


class ToolMissing(RuntimeError):
    """No binary of the needed major version is installed."""


def _candidate_dirs() -> list[Path]:
    dirs: list[Path] = []
    try:
        import pgserver  # the embedded server's package: binaries under pginstall/bin

        dirs.append(Path(pgserver.__file__).parent / "pginstall" / "bin")
    except ImportError:
        pass
    dirs += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    dirs += [Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    return dirs


def binary_major(path: Path) -> int:
    out = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=True)
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    if match is None:
        raise ToolMissing(f"cannot read the version of {path}")
    return int(match.group(1))


def find_binary(name: str, *, major: int | None = None) -> Path:
    """The first `name` of the given major version (any version when `major` is None)."""
    seen: set[Path] = set()
    for directory in _candidate_dirs():
        path = directory / name
        if path in seen or not path.is_file() or not os.access(path, os.X_OK):
            continue
        seen.add(path)
        if major is None or binary_major(path) == major:
            return path
    raise ToolMissing(f"{name} for PostgreSQL {major or 'any'} is not installed")


def server_major(alias: str = "default") -> int:
    connection = connections[alias]
    connection.ensure_connection()
    return int(connection.pg_version) // 10000  # type: ignore[attr-defined]


def tool(name: str, *, alias: str = "default") -> Path:
    """`name` (pg_dump, pg_restore, psql…) matching the server behind `alias`."""
    return find_binary(name, major=server_major(alias))


def libpq_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The environment pointing libpq programs at the database of a Django settings dict."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    mapping = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
    }
    env.update({k: str(v) for k, v in mapping.items() if v})
    return env


SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres", "pg_basebackup", "psql")


def server_bindir() -> Path:
    """A directory holding a whole server of one version (to run clusters of our own)."""
    for directory in _candidate_dirs():
        if all((directory / name).is_file() for name in SERVER_PROGRAMS):
            return directory
    raise ToolMissing("no PostgreSQL server installation (initdb, pg_ctl, postgres) found")
