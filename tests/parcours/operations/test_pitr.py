"""Point-in-time recovery, rehearsed: base backup + WAL archive, recovered to a noted instant.

The procedure is the one infra/backup/README.md gives operators, on a cluster of its own.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.parcours.operations.clusters import Cluster, remove, workspace


@pytest.fixture
def folder() -> Iterator[Path]:
    path = workspace()
    yield path
    remove(path)


@pytest.mark.slow
def test_a_copy_recovered_to_a_noted_time_has_exactly_the_rows_written_before_it(
    folder: Path,
) -> None:
    archive = folder / "wal"
    primary = Cluster(folder / "primary")
    primary.init(
        wal_level="replica",
        archive_mode="on",
        # Never overwrite a segment already archived (the documented, safe command).
        archive_command=f"test ! -f {archive}/%f && cp %p {archive}/%f",
    )
    archive.mkdir()
    _give(primary, archive)
    primary.start()
    recovered: Cluster | None = None
    try:
        primary.sql("CREATE TABLE dossier (id int PRIMARY KEY, label text)")
        primary.run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(folder / "base"),
            "-X",
            "stream",
            "--no-sync",
        )
        primary.sql("INSERT INTO dossier VALUES (1, 'avant'), (2, 'avant')")
        noted = primary.sql("SELECT clock_timestamp()")
        primary.sql("INSERT INTO dossier VALUES (3, 'après')")
        primary.sql("DELETE FROM dossier WHERE id = 1")  # the mistake to recover from
        # Close the current WAL segment so the archive holds everything written.
        segment = primary.sql("SELECT pg_walfile_name(pg_current_wal_lsn())")
        primary.sql("SELECT pg_switch_wal()")
        primary.wait_until(f"SELECT last_archived_wal >= '{segment}' FROM pg_stat_archiver", "t")
        assert primary.sql("SELECT string_agg(id::text, ',' ORDER BY id) FROM dossier") == "2,3"

        recovered = Cluster(folder / "base")
        recovered.configure(
            archive_mode="off",
            restore_command=f"cp {archive}/%f %p",
            recovery_target_time=noted,
            recovery_target_action="promote",
        )
        (folder / "base" / "recovery.signal").touch()
        _give(recovered, folder / "base")
        recovered.start()
        recovered.wait_until("SELECT pg_is_in_recovery()", "f")
        rows = recovered.sql("SELECT string_agg(id::text, ',' ORDER BY id) FROM dossier")
        assert rows == "1,2"
        assert "recovery stopping before commit" in (folder / "base" / "server.log").read_text()
    finally:
        if recovered is not None:
            recovered.stop()
        primary.stop()


def _give(cluster: Cluster, path: Path) -> None:
    """Files written by root (the test) belong to the cluster's user."""
    if cluster.user is not None:
        for item in [path, *path.rglob("*")]:
            shutil.chown(item, cluster.user, cluster.user)
