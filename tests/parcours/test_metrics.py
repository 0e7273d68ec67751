"""Prometheus metrics: requests by route and département, tasks, queues, statistics steps."""

from __future__ import annotations

import urllib.request
import uuid

import pytest
from django.conf import settings
from django.test import Client
from kombu import Connection
from prometheus_client import REGISTRY, CollectorRegistry

from parcours import celery_app
from parcours.metrics import QueueLengthCollector, serve_metrics, timed


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
def test_a_request_is_counted_by_route_name_and_departement() -> None:
    labels = {"route": "frontend:healthz", "departement": "31", "method": "GET"}
    before = _sample("parcours_http_request_duration_seconds_count", **labels)
    answered = _sample("parcours_http_requests_total", **labels, status="2xx")

    assert Client(HTTP_HOST="31.localhost").get("/healthz").status_code == 200

    assert _sample("parcours_http_request_duration_seconds_count", **labels) == before + 1
    assert _sample("parcours_http_requests_total", **labels, status="2xx") == answered + 1


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
def test_a_refused_host_and_the_national_host_have_their_own_label() -> None:
    national = {"route": "frontend:healthz", "departement": "national", "method": "GET"}
    before = _sample("parcours_http_request_duration_seconds_count", **national)
    Client(HTTP_HOST="localhost").get("/healthz")
    assert _sample("parcours_http_request_duration_seconds_count", **national) == before + 1

    unknown = {"route": "unresolved", "departement": "unknown", "method": "GET"}
    before = _sample("parcours_http_requests_total", **unknown, status="4xx")
    # Nothing a client sends becomes a label: not the host, not the path.
    Client(HTTP_HOST="99.localhost").get("/quelque-chose-inventé/")
    assert _sample("parcours_http_requests_total", **unknown, status="4xx") == before + 1


@celery_app.task(name="tests.metrics.succeeds")
def _succeeds() -> int:
    return 1


@celery_app.task(name="tests.metrics.fails")
def _fails() -> None:
    raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("task", "outcome"), [(_succeeds, "success"), (_fails, "failure")], ids=["ok", "fails"]
)
def test_each_task_outcome_and_duration_is_recorded(task, outcome: str) -> None:  # type: ignore[no-untyped-def]
    labels = {"task": task.name, "outcome": outcome}
    before = _sample("parcours_tasks_total", **labels)
    timed_before = _sample("parcours_task_duration_seconds_count", **labels)

    task.apply()

    assert _sample("parcours_tasks_total", **labels) == before + 1
    assert _sample("parcours_task_duration_seconds_count", **labels) == timed_before + 1


def test_a_statistics_step_is_timed_even_when_it_fails() -> None:
    before = _sample("parcours_statistics_duration_seconds_count", step="release")
    with pytest.raises(ZeroDivisionError), timed("release"):
        _ = 1 / 0
    assert _sample("parcours_statistics_duration_seconds_count", step="release") == before + 1


def test_queue_lengths_are_read_from_the_broker() -> None:
    queue = f"test-metrics-{uuid.uuid4().hex[:8]}"
    with Connection(settings.CELERY_BROKER_URL) as connection:
        waiting = connection.SimpleQueue(queue)
        try:
            waiting.put({"n": 1})
            waiting.put({"n": 2})
            registry = CollectorRegistry()
            registry.register(
                QueueLengthCollector(
                    broker_url=lambda: settings.CELERY_BROKER_URL, queues=lambda: [queue]
                )
            )
            assert registry.get_sample_value("parcours_queue_length", {"queue": queue}) == 2
            assert registry.get_sample_value("parcours_queue_up", {}) == 1
        finally:
            waiting.clear()
            waiting.close()


def test_an_unreachable_broker_is_reported_not_raised() -> None:
    registry = CollectorRegistry()
    registry.register(
        QueueLengthCollector(broker_url=lambda: "redis://127.0.0.1:1/0", queues=lambda: ["celery"])
    )
    assert registry.get_sample_value("parcours_queue_up", {}) == 0


def test_the_metrics_are_served_on_a_port_of_their_own() -> None:
    server = serve_metrics(port=0, address="127.0.0.1")
    try:
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
            body = answer.read().decode()
    finally:
        server.shutdown()
    assert "parcours_http_request_duration_seconds" in body
    assert "parcours_queue_up" in body


@pytest.mark.django_db
def test_a_departements_extraction_is_timed(tenant31) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from django_tenants.utils import schema_context

    from tenants.statistics.extraction import extract_counts

    before = _sample("parcours_statistics_duration_seconds_count", step="extraction")
    with schema_context(tenant31.schema_name):
        extract_counts(
            snapshot=dt.date(2025, 12, 31),
            period_start=dt.date(2025, 1, 1),
            period_end=dt.date(2025, 12, 31),
        )
    assert _sample("parcours_statistics_duration_seconds_count", step="extraction") == before + 1
