"""Throw-away PostgreSQL clusters for the backup, replica and fault tests.

They use the binaries of one installation (the `pgserver` package's first, as on a newcomer's
machine). PostgreSQL refuses to run as root: under root, the clusters run as the unprivileged
system user the embedded server already uses (`pgserver`), in folders it owns.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from parcours.operations.postgres import server_bindir

RUN_AS = "pgserver"


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(RUN_AS)
    except KeyError:
        subprocess.run(["useradd", "-s", "/bin/sh", RUN_AS], check=True, capture_output=True)
    return RUN_AS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def workspace() -> Path:
    """A folder the cluster's user owns (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="parcours-pg-"))
    user = _run_as()
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    folder.chmod(0o755)
    return folder


@dataclass
class Cluster:
    data: Path
    port: int = field(default_factory=free_port)
    bindir: Path = field(default_factory=server_bindir)
    user: str | None = field(default_factory=_run_as)

    def run(self, program: str, *args: str, timeout: float = 120) -> str:
        with tempfile.TemporaryFile("w+") as out:
            # Files, not pipes: pg_ctl's server inherits them and would keep a pipe open.
            result = subprocess.run(
                [str(self.bindir / program), *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                user=self.user,
                timeout=timeout,
                text=True,
                cwd="/",
            )
            out.seek(0)
            output = out.read()
        if result.returncode != 0:
            raise RuntimeError(f"{program} {' '.join(args)} failed:\n{output}")
        return output

    def init(self, **settings: str) -> Cluster:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")
        self.configure(**settings)
        return self

    def configure(self, **settings: str) -> None:
        lines = [f"{key} = '{value}'" for key, value in settings.items()]
        with (self.data / "postgresql.auto.conf").open("a") as conf:
            conf.write("\n".join(lines) + "\n")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data}"
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.data / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "120",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def sql(self, statement: str, *, database: str = "postgres") -> str:
        return self.run(
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-Atq",
            "-c",
            statement,
        ).strip()

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def wait_until(self, statement: str, expected: str, *, attempts: int = 600) -> None:
        for _ in range(attempts):
            if self.sql(statement) == expected:
                return
            time.sleep(0.1)
        raise AssertionError(f"{statement!r} never returned {expected!r}")


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
