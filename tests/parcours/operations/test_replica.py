"""National reads go to a real streaming replica while it is fresh; writes to the primary.

A primary and a replica (initdb, pg_basebackup -R) run on free ports of this machine; Django
talks to them through two extra aliases and the production router.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from parcours.operations.replica import ReplicaRouter, replica_reads
from parcours.referentiel.models import Region
from tests.parcours.operations.clusters import Cluster, remove, workspace


@dataclass
class Pair:
    primary: Cluster
    replica: Cluster
    router: ReplicaRouter


def _alias(name: str, cluster: Cluster) -> None:
    connections.settings[name] = {
        **connections.settings["default"],
        "NAME": "postgres",
        "HOST": "127.0.0.1",
        "PORT": str(cluster.port),
        "USER": "postgres",
        "PASSWORD": "",
        "ATOMIC_REQUESTS": False,
        "CONN_MAX_AGE": 0,
    }


@pytest.fixture
def pair(settings, django_db_blocker) -> Iterator[Pair]:  # type: ignore[no-untyped-def]
    folder = workspace()
    primary = Cluster(folder / "primary").init(wal_level="replica")
    primary.start()
    replica: Cluster | None = None
    try:
        replica = Cluster(folder / "replica")
        primary.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(replica.data), "-R", "-X", "stream", "--no-sync",
        )  # fmt: skip
        replica.start()
        replica.wait_until("SELECT status FROM pg_stat_wal_receiver", "streaming")
        _alias("ops_primary", primary)
        _alias("ops_replica", replica)
        router = ReplicaRouter(primary="ops_primary", replica="ops_replica")
        settings.DATABASE_ROUTERS = [router, "django_tenants.routers.TenantSyncRouter"]
        settings.DATABASE_REPLICA_CHECK_EVERY = 0
        settings.DATABASE_REPLICA_MAX_LAG = 0.5
        with django_db_blocker.unblock():
            with connections["ops_primary"].schema_editor() as editor:
                editor.create_model(Region)
            yield Pair(primary, replica, router)
    finally:
        for alias in ("ops_primary", "ops_replica"):
            if alias in connections.settings:
                connections[alias].close()
                del connections[alias]  # the wrapper is cached with its port
                del connections.settings[alias]
        if replica is not None:
            replica.stop("immediate")
        primary.stop("immediate")
        remove(folder)


def _replayed(pair: Pair) -> None:
    lsn = pair.primary.sql("SELECT pg_current_wal_lsn()")
    pair.replica.wait_until(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'", "t")


def _read(alias_used: list[str]) -> list[str]:
    with replica_reads():
        queryset = Region.objects.order_by("code")
        alias_used.append(queryset.db)
        return list(queryset.values_list("code", flat=True))


@pytest.mark.slow
def test_national_reads_use_the_fresh_replica_and_writes_the_primary(pair: Pair) -> None:
    with CaptureQueriesContext(connections["ops_primary"]) as on_primary:
        Region.objects.create(code="84", name="Auvergne-Rhône-Alpes")
    assert any("INSERT" in q["sql"] for q in on_primary.captured_queries)
    _replayed(pair)
    used: list[str] = []
    with CaptureQueriesContext(connections["ops_replica"]) as on_replica:
        assert _read(used) == ["84"]
    assert used == ["ops_replica"]
    assert any('FROM "referentiel_region"' in q["sql"] for q in on_replica.captured_queries)
    # Outside an opted-in block the router has no say: the default database (the primary).
    assert Region.objects.order_by("code").db == "default"
    from django.db import router

    assert router.db_for_write(Region) == "ops_primary"


@pytest.mark.slow
def test_a_stale_replica_is_skipped_until_it_catches_up(pair: Pair) -> None:
    pair.replica.sql("SELECT pg_wal_replay_pause()")
    Region.objects.create(code="11", name="Île-de-France")
    # Received but not replayed: the replica is behind by the time since its last replay.
    pair.replica.wait_until("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()", "t")
    pair.primary.sql("SELECT pg_sleep(0.6)")  # past the bound set for the test (0.5 s)
    used: list[str] = []
    assert _read(used) == ["11"]
    assert used == ["ops_primary"]
    pair.replica.sql("SELECT pg_wal_replay_resume()")
    _replayed(pair)
    assert _read(used) == ["11"]
    assert used[-1] == "ops_replica"


@pytest.mark.slow
def test_a_replica_that_is_down_sends_reads_back_to_the_primary(pair: Pair) -> None:
    Region.objects.create(code="93", name="Provence-Alpes-Côte d’Azur")
    _replayed(pair)
    used: list[str] = []
    assert _read(used) == ["93"]
    pair.replica.stop("immediate")
    assert _read(used) == ["93"]
    assert used == ["ops_replica", "ops_primary"]
