"""Load: the main journeys under concurrent clients, production runtime beside the dev server.

A bounded, loopback-only load run (locust, headless, used as a library) of the journeys people
make every day, across many départements and roles:

- coordination: the queue (/dossiers/) and a file page (/dossiers/<id>/) of its département;
- association: its file list (/dossiers/) and a file creation (the "new person" form, POST);
- commission: a session page (/commission/seances/<id>/) of a département with a commission;
- national: the statistics dashboard (/statistiques/) and the figures API of a release.

The same mix is played against the production runtime (gunicorn with infra/runtime's
configuration, as `make run` starts it) and against Django's development server (`runserver`
with DEBUG=1, as `DEBUG=1 make run` serves), one after the other in the same run, at each number
of concurrent clients (8 and 32 by default). Clients never wait between requests: the
throughput is what the server sustains, and the load generator shares the machine's cores.

Nobody's data is touched: the run seeds a database of its own (`parcours_bench_load`: the
demo's three staffed départements with their files and commissions, more départements staffed
the same way, the national releases) and starts the servers on it. The accounts sign in through
the real forms, second factor included: a code computed from each account's own TOTP device,
as its authenticator application would (sessions are bound to the host they were opened on).

Target (issue #18 §5): at least 150 requests/s with p95 under 300 ms at 8 clients on the
production runtime, and no error at 32.

Each run first prints the work one request of each journey costs in-process (Python calls,
SQL queries): seconds move with the machine (the same commit has given 41 and 66 requests/s
on one machine within an hour), these do not; `--cost-only` stops there, to compare commits.
Each level then says where the cores went: CPU milliseconds per request of the web server,
PostgreSQL, Redis and the load generator, and what the host stole.

Run: `infra/dev/with_services.py .venv/bin/python -m benchmarks.load [--clients 8,32]
[--duration 20] [--departements 12] [--database NAME] [--reuse-database] [--smoke]
[--cost-only]`, or `benchmarks/run_all.py --load`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks.common import ROOT, banner, load_average, python_speed, table

DATABASE = "parcours_bench_load"
# The demo's three départements have a commission; the others are staffed like them.
DEMO_CODES = ("31", "75", "13")
TARGET_RPS = 150.0
TARGET_P95_MS = 300.0
TARGET_CLIENTS = 8
ZERO_ERROR_CLIENTS = 32


@dataclass(frozen=True)
class Journey:
    """One kind of request of the mix; `weight` is its share of the clients' requests."""

    name: str
    persona: str  # "coordinator", "association", "national"
    method: str
    weight: int
    # Filled per request from the persona's département: {dossier}, {session}, {release}.
    path: str
    commission_only: bool = False


JOURNEYS: tuple[Journey, ...] = (
    Journey("coordination queue", "coordinator", "GET", 4, "/dossiers/"),
    Journey("coordination file page", "coordinator", "GET", 4, "/dossiers/{dossier}/"),
    Journey("association file list", "association", "GET", 3, "/dossiers/"),
    Journey("association file creation", "association", "POST", 1, "/personnes/nouvelle/"),
    Journey(
        "commission session page",
        "coordinator",
        "GET",
        2,
        "/commission/seances/{session}/",
        commission_only=True,
    ),
    Journey("national dashboard", "national", "GET", 1, "/statistiques/"),
    Journey("figures API", "national", "GET", 2, "/api/v1/statistics/releases/{release}/figures/"),
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clients",
        type=_client_counts,
        default=(TARGET_CLIENTS, ZERO_ERROR_CLIENTS),
        help="numbers of concurrent clients, comma-separated (default: 8,32)",
    )
    parser.add_argument(
        "--duration", type=float, default=20.0, help="seconds measured per server and level"
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds played before measuring")
    parser.add_argument(
        "--departements", type=int, default=12, help="départements seeded and visited (≥ 3)"
    )
    parser.add_argument(
        "--servers",
        type=_servers,
        default=("gunicorn", "runserver"),
        help="servers to measure, comma-separated: gunicorn,runserver",
    )
    parser.add_argument("--port", type=int, default=8610)
    parser.add_argument(
        "--database",
        default=DATABASE,
        help=f"the database seeded and served (default: {DATABASE}); another name keeps two "
        "runs on one PostgreSQL server apart",
    )
    parser.add_argument(
        "--reuse-database", action="store_true", help="keep a database seeded by an earlier run"
    )
    parser.add_argument(
        "--smoke", action="store_true", help="2 clients, 10 s per server: proves it works"
    )
    parser.add_argument(
        "--cost-only",
        action="store_true",
        help="only the work per request (Python calls, SQL queries): compares two commits",
    )
    parser.add_argument("--drive", type=Path, help=argparse.SUPPRESS)  # the load generator
    args = parser.parse_args(argv)
    if args.departements < len(DEMO_CODES):
        parser.error(f"--departements must be at least {len(DEMO_CODES)}")
    if args.smoke:
        args.clients, args.duration, args.warmup = (2,), 10.0, 1.0
    return args


def _client_counts(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not counts or any(n < 1 or n > 256 for n in counts):
        raise argparse.ArgumentTypeError("each number of clients must be between 1 and 256")
    return counts


def _servers(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = set(names) - {"gunicorn", "runserver"}
    if not names or unknown:
        raise argparse.ArgumentTypeError("servers are gunicorn and/or runserver")
    return names


# --- Seeding (in this process, with Django) -------------------------------------------------


def seed(*, departements: int) -> dict[str, Any]:
    """The demo (three staffed départements), more départements staffed the same way, and the
    national releases; returns what the clients need (codes, files, sessions, a release)."""
    from django_tenants.utils import schema_context

    from benchmarks.common import all_codes, ensure_provisioned
    from infra.dev.seeding.demo import _approve, demo_seed
    from infra.dev.seeding.demo_casework import demo_files
    from infra.dev.seeding.national import demo_release_ensure
    from parcours.accounts.mfa import totp_enrol_demo
    from parcours.accounts.models import Role, User
    from parcours.accounts.services import membership_grant, user_create
    from parcours.associations.models import Association
    from parcours.db import connection
    from parcours.departements.models import Tenant
    from parcours.reporting.models import Release, ReleaseStatus
    from tenants.statistics.services import commission_status_refresh_sync

    extra = [code for code in all_codes() if code not in DEMO_CODES][: departements - 3]
    ensure_provisioned(codes=[*DEMO_CODES, *extra])
    demo_seed()
    from django.conf import settings

    association = Association.objects.get(rna="W313000001")
    for code in extra:
        tenant = Tenant.objects.get(code=code)
        with schema_context("public"):
            for email, role in (
                (f"coordination.{code}@parcours.test", Role.COORDINATOR),
                (f"intervenant.{code}@parcours.test", Role.ASSOCIATION_WORKER),
            ):
                user = User.objects.filter(email=email).first() or user_create(
                    email=email,
                    first_name="Charge",
                    last_name=f"Banc {code}",
                    password=settings.PARCOURS_DEMO_PASSWORD,
                    actor_id=None,
                )
                membership_grant(
                    user=user,
                    role=role,
                    tenant=tenant,
                    association=association if role == Role.ASSOCIATION_WORKER else None,
                    actor_id=None,
                )
                totp_enrol_demo(user=user)
            _approve(tenant=tenant, association=association, since=dt_months_ago(8))
        demo_files(tenant=tenant, worker_email=f"intervenant.{code}@parcours.test")
    demo_release_ensure()
    commission_status_refresh_sync()
    connection.set_schema_to_public()
    release = (
        Release.objects.filter(status=ReleaseStatus.PUBLISHED).order_by("-period_start").first()
    )
    plan: dict[str, Any] = {"release": release.pk if release else 0, "departements": {}}
    for code in [*DEMO_CODES, *extra]:
        connection.set_tenant(Tenant.objects.get(code=code))
        from tenants.casework.models import Dossier
        from tenants.commission.models import Session

        plan["departements"][code] = {
            "dossiers": list(Dossier.objects.order_by("pk").values_list("pk", flat=True)[:200]),
            "sessions": list(Session.objects.order_by("pk").values_list("pk", flat=True)),
            "coordinator": f"coordination.{code}@parcours.test",
            "association": (
                "intervenant@passerelles.test"
                if code == "75"
                else "intervenante@issue-de-secours.test"
                if code in DEMO_CODES
                else f"intervenant.{code}@parcours.test"
            ),
        }
    connection.set_schema_to_public()
    return plan


def dt_months_ago(months: int) -> Any:
    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    return timezone.localdate() - relativedelta(months=months)


# --- Signing in through the real forms ----------------------------------------------------------


def totp_code(email: str) -> str:
    """The code the account's authenticator shows now (RFC 6238, from the device's key); a
    time step already used by this account (django-otp refuses replays) is skipped."""
    from django_otp.oath import hotp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    while True:
        device = TOTPDevice.objects.filter(user__email=email, confirmed=True).order_by("pk").first()
        assert device is not None, f"{email} has no authenticator application"
        now = (int(time.time()) - device.t0) // device.step + device.drift
        for step in (now, now + 1, now - 1):
            if step > device.last_t and abs(step - now) <= device.tolerance:
                return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"
        time.sleep(device.step - time.time() % device.step + 0.1)


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _http(
    opener: urllib.request.OpenerDirector,
    *,
    port: int,
    host: str,
    path: str,
    cookies: dict[str, str],
    form: dict[str, str] | None = None,
) -> tuple[int, str, str]:
    """One request to the loopback server with `host` as Host; cookies kept in `cookies`."""
    from urllib.parse import urlencode

    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=urlencode(form).encode() if form is not None else None,
        headers={
            "Host": f"{host}:{port}",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
    )
    try:
        response = opener.open(request, timeout=30)
    except urllib.error.HTTPError as error:  # 3xx (no redirect followed) and 4xx
        response = error
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    body = response.read().decode("utf-8", "replace")
    return response.status, response.headers.get("Location", ""), body


def sign_in(*, port: int, host: str, email: str) -> dict[str, str]:
    """Password form then second-factor form on `host`; returns the session's cookies and a
    CSRF token for the forms the clients post."""
    from django.conf import settings

    opener = urllib.request.build_opener(_NoRedirect)
    cookies: dict[str, str] = {}
    _, _, body = _http(opener, port=port, host=host, path="/connexion/", cookies=cookies)
    token = _CSRF.search(body)
    assert token, f"no sign-in form on {host}"
    status, location, _ = _http(
        opener,
        port=port,
        host=host,
        path="/connexion/",
        cookies=cookies,
        form={
            "email": email,
            "password": settings.PARCOURS_DEMO_PASSWORD,
            "csrfmiddlewaretoken": token.group(1),
        },
    )
    assert status == 302, f"sign-in of {email} on {host}: {status}"
    if location.startswith("/connexion/second-facteur/"):
        _, _, body = _http(opener, port=port, host=host, path=location, cookies=cookies)
        token = _CSRF.search(body)
        assert token, f"no second-factor form for {email}"
        status, location, _ = _http(
            opener,
            port=port,
            host=host,
            path=location,
            cookies=cookies,
            form={"code": totp_code(email), "csrfmiddlewaretoken": token.group(1)},
        )
        assert status == 302 and "second-facteur" not in location, (
            f"second factor of {email} on {host}: {status} {location}"
        )
    _, _, body = _http(opener, port=port, host=host, path="/", cookies=cookies)
    token = _CSRF.search(body)
    cookies_out = dict(cookies)
    cookies_out["_csrf"] = token.group(1) if token else cookies.get("csrftoken", "")
    return cookies_out


def sign_in_all(*, port: int, plan: dict[str, Any]) -> dict[str, Any]:
    """A signed-in session per (persona, host) of the plan; the national analyst on the
    national host."""
    from django.conf import settings

    base = settings.BASE_DOMAIN
    personas: list[dict[str, Any]] = []
    for code, facts in plan["departements"].items():
        host = f"{code}.{base}"
        for persona in ("coordinator", "association"):
            personas.append(
                {
                    "persona": persona,
                    "code": code,
                    "host": host,
                    "cookies": sign_in(port=port, host=host, email=facts[persona]),
                    "dossiers": facts["dossiers"],
                    "sessions": facts["sessions"],
                }
            )
    personas.append(
        {
            "persona": "national",
            "code": "",
            "host": base,
            "cookies": sign_in(port=port, host=base, email="analyste@parcours.test"),
            "dossiers": [],
            "sessions": [],
        }
    )
    return {"release": plan["release"], "personas": personas}


# --- What a request costs in work, whatever the machine --------------------------------------

COST_SAMPLE = 10


def journey_costs(plan: dict[str, Any]) -> str:
    """Python function calls and SQL queries of one request of each journey, played in this
    process with the servers' settings (31's coordination and association, the national
    analyst): unlike seconds, they do not move with the machine's speed nor its load, so two
    commits compare on them. The mix's mean weighs the journeys as the clients do."""
    import cProfile
    import pstats

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    base = settings.BASE_DOMAIN
    facts = plan["departements"][DEMO_CODES[0]]
    clients = {
        "coordinator": _signed_in_client(f"{DEMO_CODES[0]}.{base}", facts["coordinator"]),
        "association": _signed_in_client(f"{DEMO_CODES[0]}.{base}", facts["association"]),
        "national": _signed_in_client(base, "analyste@parcours.test"),
    }
    rows, mix_calls, mix_queries, weights = [], 0.0, 0.0, 0
    numbers = iter(range(10**6))  # each created person's own name
    for journey in JOURNEYS:
        client = clients[journey.persona]
        path = journey.path.format(
            dossier=facts["dossiers"][0] if facts["dossiers"] else 0,
            session=facts["sessions"][0] if facts["sessions"] else 0,
            release=plan["release"],
        )

        def play(client: Client = client, path: str = path, journey: Journey = journey) -> Any:
            if journey.method == "GET":
                return client.get(path)
            return client.post(
                path,
                {"last_name": f"Cout{next(numbers)}", "first_name": "Mesure", "children_count": 0},
            )

        for _ in range(3):  # warm-up: templates, typed workflows, caches
            response = play()
            assert response.status_code in {200, 302}, (journey.name, response.status_code)
        profile, queries = cProfile.Profile(), 0
        for _ in range(COST_SAMPLE):
            with CaptureQueriesContext(connection) as captured:
                profile.enable()
                play()
                profile.disable()
            queries += len(captured)
        calls = pstats.Stats(profile).total_calls / COST_SAMPLE  # type: ignore[attr-defined]
        rows.append([journey.name, f"{calls:,.0f}", f"{queries / COST_SAMPLE:.0f}"])
        mix_calls += calls * journey.weight
        mix_queries += queries / COST_SAMPLE * journey.weight
        weights += journey.weight
    rows.append(["the mix", f"{mix_calls / weights:,.0f}", f"{mix_queries / weights:.1f}"])
    return "\nWork per request, in this process (the same on any machine)\n" + table(
        headers=["journey", "Python calls", "SQL queries"], rows=rows
    )


def _signed_in_client(host: str, email: str) -> Any:
    """A test client through the password and second-factor forms, as `sign_in` over HTTP."""
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST=host)
    response = client.post(
        "/connexion/", {"email": email, "password": settings.PARCOURS_DEMO_PASSWORD}
    )
    location = response.get("Location", "")
    if response.status_code == 302 and location.startswith("/connexion/second-facteur/"):
        response = client.post(location, {"code": totp_code(email)})
    assert response.status_code == 302, f"sign-in of {email} on {host}: {response.status_code}"
    return client


# --- Servers ----------------------------------------------------------------------------------


def server_command(name: str, *, port: int) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of `name`, as `make run` (or `DEBUG=1 make run`)."""
    from infra.runtime import programs

    if name == "gunicorn":
        program = programs.web(port=port)
        env = {
            **program.env,
            "DEBUG": "0",
            "WEB_BIND": "127.0.0.1",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "WARNING",
            "PARCOURS_METRICS_PORT": "",
        }
        return program.argv, env
    program = programs.dev_web(port=port)
    argv = [arg.replace(f"0.0.0.0:{port}", f"127.0.0.1:{port}") for arg in program.argv]
    return argv, {"DEBUG": "1", "LOG_LEVEL": "WARNING"}


def _served_environment() -> dict[str, str]:
    """This process's environment without what only tests set: with `make test`'s
    CONN_MAX_AGE=0 the servers would open a PostgreSQL connection per request (a backend forked
    each time: a third fewer requests per second), which production never does."""
    return {name: value for name, value in os.environ.items() if name != "CONN_MAX_AGE"}


class Server:
    def __init__(self, name: str, *, port: int, log: Path) -> None:
        argv, env = server_command(name, port=port)
        self.name, self.port = name, port
        self._log = log.open("w")
        self.process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**_served_environment(), **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.process.returncode}")
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{self.port}/livez",
                    headers={"Host": f"localhost:{self.port}"},
                )
                with urllib.request.urlopen(request, timeout=2):
                    return
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        self.stop()
        raise SystemExit(f"{self.name} did not answer within 60 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


# --- Where the cores go -------------------------------------------------------------------------

# Processes by name (/proc/<pid>/stat), besides the web server's process group.
_CPU_PARTS = {"postgres": "PostgreSQL", "redis-server": "Redis"}


def cpu_seconds(*, server_group: int) -> dict[str, float]:
    """CPU seconds used so far, by part: the web server's processes (its process group), the
    PostgreSQL and Redis servers, this process (the load generator), and the whole machine
    (/proc/stat, its steal apart). Exited processes count through their parent's reaped time
    (a recycled gunicorn worker, a closed PostgreSQL backend). Linux only."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {"web": 0.0, **{part: 0.0 for part in _CPU_PARTS.values()}}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # exited meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # After the name: state, ppid, pgrp, …, utime (14th field), stime, cutime, cstime.
        seconds = sum(int(value) for value in fields[11:15]) / tick
        if int(fields[2]) == server_group:
            used["web"] += seconds
        elif name in _CPU_PARTS:
            used[_CPU_PARTS[name]] += seconds
    mine = resource.getrusage(resource.RUSAGE_SELF)
    used["load generator"] = mine.ru_utime + mine.ru_stime
    with open("/proc/stat") as handle:
        # user nice system idle iowait irq softirq steal
        ticks = [int(value) for value in handle.readline().split()[1:9]]
    used["machine"] = (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]) / tick
    used["steal"] = ticks[7] / tick
    return used


def cpu_line(cpu: dict[str, float], *, requests: int, elapsed: float) -> str:
    """What one request cost each part, in CPU milliseconds, and what the rest of the machine
    used meanwhile: the ceiling of a saturated machine is its cores over the total."""
    if not requests:
        return "CPU ms per request: no request"
    per = {part: seconds * 1000 / requests for part, seconds in cpu.items()}
    known = sum(v for part, v in per.items() if part not in {"machine", "steal"})
    parts = ", ".join(
        f"{part} {value:.1f}" for part, value in per.items() if part not in {"machine", "steal"}
    )
    return (
        f"CPU ms per request: {parts}, the rest of the machine "
        f"{max(per['machine'] - known, 0.0):.1f}; machine {per['machine']:.1f} in all "
        f"({cpu['machine'] / elapsed:.2f} of {len(os.sched_getaffinity(0))} cores busy, "
        f"{cpu['steal'] / elapsed:.2f} stolen by the host)"
    )


# --- The load generator (a process of its own: locust's gevent stays out of Django's) ---------


def drive(config_path: Path) -> None:
    """Play the mix against one server at one concurrency; print locust's figures as JSON."""
    import gevent
    from locust import FastHttpUser, constant, task
    from locust.env import Environment

    config = json.loads(config_path.read_text())
    port, clients = config["port"], config["clients"]
    release, personas = config["release"], config["personas"]
    rng = random.Random(clients)
    by_persona: dict[str, list[dict[str, Any]]] = {}
    for persona in personas:
        by_persona.setdefault(persona["persona"], []).append(persona)
    with_commission = [p for p in by_persona["coordinator"] if p["sessions"]]
    journeys = [Journey(**j) for j in config["journeys"]]
    counter = iter(range(10**9))

    class Client(FastHttpUser):
        host = f"http://127.0.0.1:{port}"
        wait_time = constant(0)

        def _request(self, journey: Journey) -> None:
            pool = with_commission if journey.commission_only else by_persona[journey.persona]
            who = rng.choice(pool)
            path = journey.path.format(
                dossier=rng.choice(who["dossiers"]) if who["dossiers"] else 0,
                session=rng.choice(who["sessions"]) if who["sessions"] else 0,
                release=release,
            )
            cookies = who["cookies"]
            headers = {
                "Host": f"{who['host']}:{port}",
                "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items() if k != "_csrf"),
            }
            if journey.method == "GET":
                with self.client.get(
                    path, headers=headers, name=journey.name, catch_response=True
                ) as response:
                    # A redirect (to the sign-in, say) is not the page: only a 200 counts.
                    if response.status_code != 200:
                        response.failure(f"status {response.status_code}")
                return
            number = next(counter)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{who['host']}:{port}{path}"
            body = (
                f"csrfmiddlewaretoken={cookies['_csrf']}&last_name=Charge{clients}x{number}"
                f"&first_name=Client&children_count=0"
            )
            with self.client.post(
                path, data=body, headers=headers, name=journey.name, catch_response=True
            ) as response:
                # The form answers with a redirect to the new file; anything else is an error.
                if response.status_code != 302:
                    response.failure(f"status {response.status_code}")

        @task
        def play(self) -> None:
            journey = rng.choices(journeys, weights=[j.weight for j in journeys])[0]
            self._request(journey)

    Client.max_redirects = 0
    environment = Environment(user_classes=[Client])
    runner = environment.create_local_runner()
    runner.start(clients, spawn_rate=clients)
    gevent.sleep(config["warmup"])
    environment.stats.reset_all()
    cpu_before = cpu_seconds(server_group=config["server_group"])
    started = time.perf_counter()
    gevent.sleep(config["duration"])
    elapsed = time.perf_counter() - started
    cpu_after = cpu_seconds(server_group=config["server_group"])
    entries = []
    for (name, _method), entry in sorted(environment.stats.entries.items()):
        entries.append(
            {
                "name": name,
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "p50": entry.get_response_time_percentile(0.5),
                "p95": entry.get_response_time_percentile(0.95),
            }
        )
    total = environment.stats.total
    errors = [f"{e.name}: {e.error} ×{e.occurrences}" for e in environment.stats.errors.values()][
        :5
    ]
    runner.quit()
    print(
        json.dumps(
            {
                "elapsed": elapsed,
                "entries": entries,
                "total": {
                    "requests": total.num_requests,
                    "failures": total.num_failures,
                    "p50": total.get_response_time_percentile(0.5),
                    "p95": total.get_response_time_percentile(0.95),
                },
                "errors": errors,
                "cpu": {part: cpu_after[part] - cpu_before[part] for part in cpu_after},
            }
        )
    )


def run_level(
    *,
    port: int,
    clients: int,
    sessions: dict[str, Any],
    server_group: int,
    args: argparse.Namespace,
) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(
            {
                **sessions,
                "port": port,
                "clients": clients,
                "server_group": server_group,
                "duration": args.duration,
                "warmup": args.warmup,
                "journeys": [asdict(j) for j in JOURNEYS],
            },
            handle,
        )
    try:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.load", "--drive", handle.name],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=args.duration + args.warmup + 120,
        )
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        raise SystemExit(f"the load generator failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def report(server: str, clients: int, figures: dict[str, Any]) -> tuple[str, dict[str, float]]:
    elapsed = figures["elapsed"]
    rows = [
        [
            e["name"],
            e["requests"],
            e["failures"],
            f"{e['requests'] / elapsed:.1f}",
            f"{e['p50']:.0f}",
            f"{e['p95']:.0f}",
        ]
        for e in figures["entries"]
    ]
    total = figures["total"]
    summary = {
        "rps": total["requests"] / elapsed,
        "p95": float(total["p95"]),
        "failures": float(total["failures"]),
    }
    rows.append(
        [
            "all journeys",
            total["requests"],
            total["failures"],
            f"{summary['rps']:.1f}",
            f"{total['p50']:.0f}",
            f"{total['p95']:.0f}",
        ]
    )
    text = f"\n{server}, {clients} concurrent clients, {elapsed:.0f} s measured\n" + table(
        headers=["journey", "requests", "errors", "req/s", "p50 ms", "p95 ms"], rows=rows
    )
    text += "\n" + cpu_line(figures["cpu"], requests=total["requests"], elapsed=elapsed)
    if figures["errors"]:
        text += "\nerrors: " + "; ".join(figures["errors"])
    return text, summary


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.drive:
        drive(args.drive)
        return 0
    # The production settings need collected static files (as the image and `make run`);
    # they go in a folder of this benchmark's own, set before Django reads its settings.
    from infra.dev.services import local_secrets

    base = ROOT / ".data" / "bench-load"
    static = base / "static"
    static.mkdir(parents=True, exist_ok=True)
    # DEBUG off refuses the public development keys: keys of this benchmark's own, kept beside
    # its static files so that a reused database's identities stay readable.
    os.environ.update(local_secrets(base))
    os.environ["STATIC_ROOT"] = str(static)
    os.environ["PARCOURS_STATIC_COMPRESS"] = "0"
    metrics = Path(tempfile.mkdtemp(prefix="parcours-load-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    os.environ.setdefault("DEBUG", "0")
    from benchmarks.common import database_exists, setup_django

    print(banner("Load: the main journeys, production runtime beside the development server"))
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    print(
        f"date {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, commit {commit or '?'}, "
        f"nproc {len(os.sched_getaffinity(0))}, load average at start {load_average()}"
    )
    print(f"Python speed: {python_speed()}")
    print(
        f"clients {','.join(map(str, args.clients))}, {args.duration:.0f} s measured per level "
        f"after {args.warmup:.0f} s of warm-up, servers {', '.join(args.servers)}"
    )
    reuse = args.reuse_database and database_exists(name=args.database)
    started = time.perf_counter()
    setup_django(name=args.database, fresh=not reuse)
    from infra.dev.run import static_collect

    static_collect()
    plan = seed(departements=args.departements)
    print(
        f"{'reused' if reuse else 'seeded'} {args.database} in {time.perf_counter() - started:.0f} s: "
        f"{len(plan['departements'])} départements ("
        + ", ".join(
            f"{code}: {len(f['dossiers'])} files" for code, f in plan["departements"].items()
        )
        + f"), release {plan['release']}"
    )
    from django.db import connections

    print(journey_costs(plan), flush=True)
    if args.cost_only:
        return 0
    summaries: dict[tuple[str, int], dict[str, float]] = {}
    log_dir = Path(tempfile.mkdtemp(prefix="parcours-load-logs-"))
    for offset, name in enumerate(args.servers):
        port = args.port + offset
        server = Server(name, port=port, log=log_dir / f"{name}.log")
        try:
            sessions = sign_in_all(port=port, plan=plan)
            connections.close_all()  # this process idles while the clients play
            for clients in args.clients:
                text, summary = report(
                    name,
                    clients,
                    run_level(
                        port=port,
                        clients=clients,
                        sessions=sessions,
                        server_group=server.process.pid,  # its own session: pgid == pid
                        args=args,
                    ),
                )
                print(text, flush=True)
                summaries[(name, clients)] = summary
        finally:
            server.stop()
    print(banner("Summary"))
    rows = [
        [
            f"{name}, {clients} clients",
            f"{s['rps']:.1f}",
            f"{s['p95']:.0f}",
            int(s["failures"]),
        ]
        for (name, clients), s in summaries.items()
    ]
    print(table(headers=["server", "req/s", "p95 ms", "errors"], rows=rows))
    production = summaries.get(("gunicorn", TARGET_CLIENTS))
    heavy = summaries.get(("gunicorn", ZERO_ERROR_CLIENTS))
    if production is None or heavy is None:
        print("target: not assessed (it needs gunicorn at 8 and at 32 clients)")
    else:
        met = (
            production["rps"] >= TARGET_RPS
            and production["p95"] < TARGET_P95_MS
            and heavy["failures"] == 0
        )
        print(
            f"target (gunicorn: ≥ {TARGET_RPS:.0f} req/s and p95 < {TARGET_P95_MS:.0f} ms at "
            f"{TARGET_CLIENTS} clients, no error at {ZERO_ERROR_CLIENTS}): "
            + ("MET" if met else "NOT MET")
        )
    print(f"load average at the end {load_average()}; server logs in {log_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
