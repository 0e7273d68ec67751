"""Prometheus metrics: requests, tasks, queues, national statistics; never personal data.

Labels are names chosen by the code (a route's name, a task's name, a département's code),
never values from a request. Served on a port of their own (`PARCOURS_METRICS_PORT`, by
gunicorn's master for the web, by the Celery worker's main process for tasks), which the
Kubernetes NetworkPolicy opens to the monitoring namespace only; never on the public port.

With several processes (gunicorn workers, Celery's prefork pool), each process writes its
samples under `PROMETHEUS_MULTIPROC_DIR` and the endpoint adds them up (prometheus-client's
multiprocess mode): that variable must be set before the first import of this module.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUEST_SECONDS = Histogram(
    "parcours_http_request_duration_seconds",
    "Time to answer a request, by route name and département.",
    ["route", "departement", "method"],
)
REQUESTS = Counter(
    "parcours_http_requests_total",
    "Requests answered, by route name, département and status class.",
    ["route", "departement", "method", "status"],
)
TASK_SECONDS = Histogram(
    "parcours_task_duration_seconds",
    "Time a Celery task ran, by task name and outcome.",
    ["task", "outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900),
)
TASKS = Counter(
    "parcours_tasks_total",
    "Celery tasks finished, by task name and outcome (success, failure, retry).",
    ["task", "outcome"],
)
STATISTICS_SECONDS = Histogram(
    "parcours_statistics_duration_seconds",
    "Time of a national statistics step: a release (consolidation, disclosure control, "
    "publication) or one département's extraction.",
    ["step"],
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600),
)


def departement_label(request: Any) -> str:
    """A département's code, `national` on the base host, `unknown` for a refused host,
    `unrouted` for a request refused before routing (the input guard)."""
    if not hasattr(request, "tenant"):
        return "unrouted"
    if request.tenant is not None:
        return str(request.tenant.code)
    from django.conf import settings
    from django.http.request import split_domain_port

    host, _ = split_domain_port(request.META.get("HTTP_HOST", ""))
    return "national" if host == settings.BASE_DOMAIN else "unknown"


def observe_request(
    *, route: str, departement: str, method: str, status: int, seconds: float
) -> None:
    # Unexpected methods are folded: a client chooses the method, and labels must stay few.
    method = method if method in {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} else "OTHER"
    REQUEST_SECONDS.labels(route, departement, method).observe(seconds)
    REQUESTS.labels(route, departement, method, f"{status // 100}xx").inc()


def observe_task(*, task: str, outcome: str, seconds: float | None) -> None:
    TASKS.labels(task, outcome).inc()
    if seconds is not None:
        TASK_SECONDS.labels(task, outcome).observe(seconds)


@contextmanager
def timed(step: str) -> Iterator[None]:
    """Times a national statistics step (`release`, `extraction`), also when it fails."""
    started = time.perf_counter()
    try:
        yield
    finally:
        STATISTICS_SECONDS.labels(step).observe(time.perf_counter() - started)


class QueueLengthCollector(Collector):
    """The messages waiting in each Celery queue, read from Redis when scraped."""

    def __init__(self, *, broker_url: Callable[[], str], queues: Callable[[], Iterable[str]]):
        self.broker_url, self.queues = broker_url, queues

    def collect(self) -> Iterator[GaugeMetricFamily]:
        lengths = GaugeMetricFamily(
            "parcours_queue_length", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        up = GaugeMetricFamily("parcours_queue_up", "1 when the broker answered the scrape.")
        try:
            from kombu import Connection

            with Connection(self.broker_url(), connect_timeout=2) as connection:
                client = connection.default_channel.client
                for queue in self.queues():
                    # kombu keeps a Redis list per priority step: the name, then name\x06\x16N.
                    names = [queue, *(f"{queue}\x06\x16{step}" for step in range(1, 10))]
                    lengths.add_metric([queue], float(sum(client.llen(name) for name in names)))
            up.add_metric([], 1.0)
        except Exception:  # a scrape reports the broker down, it never fails
            up.add_metric([], 0.0)
        yield lengths
        yield up


def _broker_url() -> str:
    from django.conf import settings

    return str(settings.CELERY_BROKER_URL)


def _queues() -> list[str]:
    from django.conf import settings

    return [str(settings.CELERY_TASK_DEFAULT_QUEUE)]


def exposition_registry() -> CollectorRegistry:
    """What the endpoint serves: every process's samples, and the queues' lengths."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    if not getattr(registry, "_parcours_queues", False):
        registry.register(QueueLengthCollector(broker_url=_broker_url, queues=_queues))
        registry._parcours_queues = True  # type: ignore[attr-defined]
    return registry


def serve_metrics(*, port: int, address: str) -> Any:
    """Serve the metrics in a background thread of this process (gunicorn's master, the
    Celery worker's main process); returns the server (port 0: any free port)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")
    server, _ = start_http_server(port, addr=address, registry=exposition_registry())
    return server
