"""Per-request cost of routing a request to its département, in process, through Django's WSGI
handler, for a trivial view running one query (`AuditEvent.objects.count()`).

Three middleware configurations, each a handler of its own (`WSGIHandler` loads MIDDLEWARE when
built) serving `benchmarks.bench_urls`, plus a second baseline:

  a. baseline: no tenant middleware; the connection stays on `dep_31` (what routing costs
     nothing at all would look like);
  h. baseline + host validation: only `request.get_host()` (ALLOWED_HOSTS check), which both
     tenant middlewares do first and which CommonMiddleware / CsrfViewMiddleware do anyway in
     any real stack: it separates the cost of routing from the cost of validating the host;
  b. stock:    `django_tenants.middleware.main.TenantMainMiddleware` (Domain row looked up in
     the database, search_path re-issued on every request);
  c. ours:     `parcours.departements.middleware.TenantRoutingMiddleware` (host map in memory,
     no `SET search_path` when the connection already sits on the département).

Two traffic patterns: every request to `31.localhost` (the target is measured here), and
requests rotating over the 101 départements' hosts (the worst case for ours: the schema
changes on every request). The settings are the project's (CONN_MAX_AGE=60, health checks,
TENANT_LIMIT_SET_CALLS); requests go through `WSGIHandler.__call__`, so request_started /
request_finished fire and `close_old_connections` runs as under a real server.

Configurations are interleaved by rounds (a, h, b, c, then h, b, c, a, …); the first request
of a round is not counted (it carries the switch from the previous configuration).

    python -m benchmarks.routing [--requests 2000] [--warmup 200] [--rounds 40]
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a file: make `benchmarks` importable (and keep this folder off the path).
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks.common import (
    BENCH_DATABASE,
    all_codes,
    banner,
    ensure_provisioned,
    median,
    percentile,
    server_kind,
    setup_django,
    table,
)

TARGET_OVERHEAD_PCT = 10.0
STOCK_MIDDLEWARE = "django_tenants.middleware.main.TenantMainMiddleware"
OUR_MIDDLEWARE = "parcours.departements.middleware.TenantRoutingMiddleware"
HOST_VALIDATION_MIDDLEWARE = "benchmarks.bench_urls.HostValidationMiddleware"
CONFIGS: list[tuple[str, str, list[str]]] = [
    ("a", "baseline (no tenant middleware)", []),
    ("h", "baseline + host validation", [HOST_VALIDATION_MIDDLEWARE]),
    ("b", "stock TenantMainMiddleware", [STOCK_MIDDLEWARE]),
    ("c", "ours TenantRoutingMiddleware", [OUR_MIDDLEWARE]),
]
FIXED_CODE = "31"
PINNED = {"a", "h"}  # no routing: the connection stays on dep_31


@dataclass
class Measure:
    micros: list[float] = field(default_factory=list)  # wall clock per request
    cpu_micros: list[float] = field(default_factory=list)  # this thread's CPU per request
    by_round: list[list[float]] = field(default_factory=list)  # wall clock, round by round
    wrapper_sql: int = -1  # statements seen by Django's cursor wrapper (CaptureQueriesContext)
    driver_sql: int = -1  # statements sent by psycopg, health check included
    sample_sql: list[str] = field(default_factory=list)


def _environ(*, host: str, path: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": host,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    return None


def _call(handler: Callable[..., Any], *, host: str, path: str = "/count/") -> tuple[int, bytes]:
    response = handler(_environ(host=host, path=path), _start_response)
    try:
        body = b"".join(response)
    finally:
        # What a WSGI server does; fires request_finished, hence close_old_connections.
        response.close()
    return response.status_code, body


def _timed(handler: Callable[..., Any], *, host: str) -> tuple[float, float]:
    """(wall, CPU) microseconds of one request; CPU leaves out the waits on PostgreSQL."""
    environ = _environ(host=host, path="/count/")
    cpu_started = time.thread_time_ns()
    started = time.perf_counter_ns()
    response = handler(environ, _start_response)
    b"".join(response)
    response.close()
    elapsed = time.perf_counter_ns() - started
    cpu = time.thread_time_ns() - cpu_started
    if response.status_code != 200:
        raise RuntimeError(f"{host}: HTTP {response.status_code}")
    return elapsed / 1000.0, cpu / 1000.0


@contextmanager
def _driver_statements() -> Iterator[list[str]]:
    """Every statement psycopg sends on the current connection, whoever sends it."""
    import psycopg2.extensions
    from django.db import connection

    sent: list[str] = []

    class CountingCursor(psycopg2.extensions.cursor):
        def execute(self, query: Any, vars: Any = None) -> Any:  # noqa: A002 (psycopg's name)
            sent.append(query.decode() if isinstance(query, bytes) else str(query))
            return super().execute(query, vars)

        def executemany(self, query: Any, vars_list: Any) -> Any:
            sent.append(query.decode() if isinstance(query, bytes) else str(query))
            return super().executemany(query, vars_list)

    connection.ensure_connection()
    raw = connection.connection
    previous = raw.cursor_factory
    raw.cursor_factory = CountingCursor
    try:
        yield sent
    finally:
        raw.cursor_factory = previous


def _prepare_round(key: str) -> None:
    """Baselines: pin the connection on dep_31, as a single-tenant deployment would be."""
    if key not in PINNED:
        return
    from django.db import connection

    from parcours.departements.models import Tenant

    if connection.schema_name != f"dep_{FIXED_CODE}":
        connection.set_schema_to_public()
        connection.set_tenant(Tenant.objects.get(code=FIXED_CODE))


def _run_pattern(
    *,
    handlers: dict[str, Callable[..., Any]],
    hosts: list[str],
    requests: int,
    warmup: int,
    rounds: int,
) -> tuple[dict[str, Measure], int]:
    from django.db import connection, reset_queries
    from django.db.backends.signals import connection_created
    from django.test.utils import CaptureQueriesContext

    measures = {key: Measure() for key in handlers}
    keys = list(handlers)
    per_round = max(1, requests // rounds)

    def host_at(i: int) -> str:
        return hosts[i % len(hosts)]

    # A fresh connection now: CONN_MAX_AGE (60 s) then outlives the whole measurement.
    connection.close()
    for key in keys:
        _prepare_round(key)
        for i in range(warmup):
            _timed(handlers[key], host=host_at(i))

    opened: list[object] = []

    def on_connect(sender: object, connection: object, **kwargs: object) -> None:
        opened.append(connection)

    connection_created.connect(on_connect)
    try:
        counter = 0
        for r in range(rounds):
            gc.collect()
            order = keys[r % len(keys) :] + keys[: r % len(keys)]
            for key in order:
                _prepare_round(key)
                _timed(handlers[key], host=host_at(counter))  # the switch: not counted
                counter += 1
                this_round: list[float] = []
                for _ in range(per_round):
                    wall, cpu = _timed(handlers[key], host=host_at(counter))
                    measures[key].micros.append(wall)
                    measures[key].cpu_micros.append(cpu)
                    this_round.append(wall)
                    counter += 1
                measures[key].by_round.append(this_round)
    finally:
        connection_created.disconnect(on_connect)

    # Statements of one steady-state request per configuration, counted two ways.
    for key in keys:
        _prepare_round(key)
        _timed(handlers[key], host=host_at(0))  # settle on the configuration
        # request_started clears queries_log (reset_queries): start the capture from empty too.
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            _timed(handlers[key], host=host_at(1))
        measures[key].wrapper_sql = len(captured.captured_queries)
        measures[key].sample_sql = [q["sql"] for q in captured.captured_queries]
        _prepare_round(key)
        _timed(handlers[key], host=host_at(0))
        with _driver_statements() as sent:
            _timed(handlers[key], host=host_at(1))
        measures[key].driver_sql = len(sent)
    return measures, len(opened)


def _check_routing(*, handlers: dict[str, Callable[..., Any]], codes: list[str]) -> list[str]:
    """Each configuration answers from the schema it should; returns the problems found."""
    problems: list[str] = []
    for key, handler in handlers.items():
        for code in codes:
            _prepare_round(key)
            status, body = _call(handler, host=f"{code.lower()}.localhost", path="/schema/")
            expected = f"dep_{(FIXED_CODE if key in PINNED else code).lower()}"
            if status != 200 or body.decode() != expected:
                problems.append(f"{key} {code}: HTTP {status} {body[:80]!r}, expected {expected}")
    return problems


def _our_middleware_alone(*, calls: int = 5000) -> float:
    """Microseconds per call of our middleware around a stub view: its own CPU cost."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from parcours.departements.middleware import TenantRoutingMiddleware

    response = HttpResponse("")
    middleware = TenantRoutingMiddleware(lambda request: response)
    factory = RequestFactory()
    requests = [factory.get("/count/", HTTP_HOST=f"{FIXED_CODE}.localhost") for _ in range(calls)]
    middleware(requests[0])  # host map loaded, connection on the département
    started = time.perf_counter_ns()
    for request in requests:
        middleware(request)
    return (time.perf_counter_ns() - started) / calls / 1000.0


def _shorten(sql: str, *, width: int = 48) -> str:
    """`SELECT … FROM "table"` rather than the whole column list."""
    if sql.startswith("SELECT") and " FROM " in sql:
        head, _, rest = sql.partition(" FROM ")
        sql = f"{head[:20]}… FROM {rest.split()[0]}"
    return sql if len(sql) <= width else sql[: width - 1] + "…"


def _overhead(value: float, base: float, key: str) -> str:
    if key == "a":
        return "-"
    return f"{(value - base) / 1000:+.3f} ms {100 * (value - base) / base:+.1f} %"


def _report(
    *, title: str, measures: dict[str, Measure], reconnects: int
) -> tuple[str, float, float]:
    base = median(measures["a"].micros)
    cpu_base = median(measures["a"].cpu_micros)
    rows: list[list[object]] = []
    for key, label, _ in CONFIGS:
        m = measures[key]
        wall, cpu = median(m.micros), median(m.cpu_micros)
        rows.append(
            [
                f"{key}. {label}",
                len(m.micros),
                f"{wall:.0f}",
                f"{percentile(m.micros, pct=95):.0f}",
                _overhead(wall, base, key),
                f"{cpu:.0f}",
                _overhead(cpu, cpu_base, key),
                m.wrapper_sql,
                m.driver_sql,
            ]
        )
    ours = median(measures["c"].micros)
    ours_pct = 100 * (ours - base) / base
    validated = median(measures["h"].micros)
    ours_vs_h_pct = 100 * (ours - validated) / validated
    cpu_vs_h = median(measures["c"].cpu_micros) - median(measures["h"].cpu_micros)
    paired: list[str] = []
    for key, _, _ in CONFIGS[1:]:
        # Same round, same machine state: the spread of these says how far to trust the median.
        pct = [
            100 * (median(mine) - median(ref)) / median(ref)
            for mine, ref in zip(measures[key].by_round, measures["a"].by_round, strict=True)
        ]
        paired.append(
            f"{key} {median(pct):+.1f} % (interquartile {percentile(pct, pct=25):+.1f}"
            f" .. {percentile(pct, pct=75):+.1f} %)"
        )
    text = "\n".join(
        [
            f"\n{title}",
            table(
                headers=[
                    "configuration",
                    "requests",
                    "median µs",
                    "p95 µs",
                    "overhead (median)",
                    "CPU µs",
                    "CPU overhead",
                    "SQL (Django)",
                    "SQL (driver)",
                ],
                rows=rows,
            ),
            f"overhead round by round ({len(measures['a'].by_round)} rounds, median of each "
            f"round vs a's in the same round): {'; '.join(paired)}",
            f"ours (c) vs h, both validating the host: {ours - validated:+.0f} µs wall "
            f"({ours_vs_h_pct:+.1f} %), {cpu_vs_h:+.0f} µs CPU",
            f"connections opened during the measurement: {reconnects} "
            f"({'persistent connection kept' if reconnects == 0 else 'RECONNECTED'})",
        ]
    )
    return text, ours_pct, ours_vs_h_pct


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="measured, per configuration")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args(argv)

    setup_django(name=BENCH_DATABASE, fresh=False)
    codes = all_codes()
    ensure_provisioned(codes=codes)

    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    from parcours.departements.routing import forget_hosts

    print(banner("Routing a request to its département: per-request cost, in process"))
    print(
        f"server: {server_kind()}; {len(codes)} départements provisioned; "
        f"CONN_MAX_AGE={settings.DATABASES['default']['CONN_MAX_AGE']}, "
        f"CONN_HEALTH_CHECKS={settings.DATABASES['default']['CONN_HEALTH_CHECKS']}, "
        f"TENANT_LIMIT_SET_CALLS={getattr(settings, 'TENANT_LIMIT_SET_CALLS', False)}, "
        f"DEBUG={settings.DEBUG}"
    )
    print(
        f"{args.requests} measured requests per configuration and pattern, after "
        f"{args.warmup} warm-up, in {args.rounds} interleaved rounds; view: "
        "AuditEvent.objects.count()"
    )

    with override_settings(ROOT_URLCONF="benchmarks.bench_urls"):
        handlers: dict[str, Callable[..., Any]] = {}
        for key, _, middleware in CONFIGS:
            # load_middleware reads MIDDLEWARE once, when the handler is built.
            with override_settings(MIDDLEWARE=middleware):
                handlers[key] = WSGIHandler()
        forget_hosts()
        checked = [FIXED_CODE, "2A", "75", "976"]
        problems = _check_routing(handlers=handlers, codes=checked)
        for problem in problems:
            print(f"ROUTING PROBLEM: {problem}")
        roles: dict[str, bytes] = {}
        for key, handler in handlers.items():
            _prepare_round(key)
            roles[key] = _call(handler, host=f"{FIXED_CODE.lower()}.localhost", path="/user/")[1]
        print(
            "PostgreSQL role of the query: "
            + ", ".join(f"{key} {user.decode()}" for key, user in roles.items())
            + " (c runs under the département's role, SET with the search_path)"
        )
        if not problems:
            print(
                f"routing check: SELECT current_schema() answered dep_<code> for hosts "
                f"{', '.join(c.lower() + '.localhost' for c in checked)} with b and c "
                f"(dep_{FIXED_CODE} with a and h): OK"
            )

        same_host, reconnects_same = _run_pattern(
            handlers=handlers,
            hosts=[f"{FIXED_CODE}.localhost"],
            requests=args.requests,
            warmup=args.warmup,
            rounds=args.rounds,
        )
        rotating, reconnects_rot = _run_pattern(
            handlers=handlers,
            hosts=[f"{code.lower()}.localhost" for code in codes],
            requests=args.requests,
            warmup=args.warmup,
            rounds=args.rounds,
        )

    text, ours_pct, ours_vs_h_pct = _report(
        title=f"every request to {FIXED_CODE}.localhost (target measured here)",
        measures=same_host,
        reconnects=reconnects_same,
    )
    print(text)
    text_rot, _, _ = _report(
        title=f"requests rotating over the {len(codes)} départements' hosts "
        "(baseline stays on dep_31)",
        measures=rotating,
        reconnects=reconnects_rot,
    )
    print(text_rot)
    print(
        "\nSQL (Django): statements in CaptureQueriesContext for one steady-state request; "
        "django-tenants issues SET search_path on the cursor it hands out, so it is included."
        "\nSQL (driver): statements psycopg2 actually sent (a counting cursor_factory on the raw "
        "connection), which adds the CONN_HEALTH_CHECKS 'SELECT 1' Django runs on the raw "
        "connection at the first query of each request."
        "\nmedian/p95 µs: wall clock per request; CPU µs: this thread's CPU time per request "
        "(time.thread_time), i.e. without the waits on PostgreSQL, the part that does not depend "
        "on how fast the server answers."
    )
    for key, label, _ in CONFIGS:
        statements = " | ".join(_shorten(sql) for sql in same_host[key].sample_sql)
        print(f"  {key}. {label}: {statements}")
    print(
        f"ours, middleware alone around a stub view (no SQL): {_our_middleware_alone():.1f} µs "
        "per request"
    )
    met = ours_pct < TARGET_OVERHEAD_PCT
    print(
        f"target: ours adds < {TARGET_OVERHEAD_PCT:.0f} % over the baseline a "
        f"({FIXED_CODE}.localhost): {'MET' if met else 'NOT MET'} ({ours_pct:+.1f} %); "
        f"over h, the baseline that validates the host like any real stack: {ours_vs_h_pct:+.1f} %"
    )
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
