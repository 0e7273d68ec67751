"""`make run`: services, schema, reference and demo data, then web, worker and beat.

Ctrl-C (or SIGTERM) stops the three processes, then the embedded services.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path[:0] = [str(ROOT)]
sys.path.append(str(ROOT / "platform"))

from infra.dev.services import start_services  # noqa: E402


def fail(message: str) -> None:
    print(f"make run: {message}", file=sys.stderr)
    sys.exit(1)


def prepare() -> None:
    """Migrate, load reference data, provision every département, seed the demo (idempotent)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        fail(f"DATABASE_URL must be a PostgreSQL URL (postgres://user@host:port/name), got {url!r}")
    try:
        django.setup()
    except Exception as exc:
        fail(f"the settings could not be loaded: {type(exc).__name__}: {exc}")
    from django.core.management import call_command
    from django.db import connection
    from django.db.utils import OperationalError

    try:
        connection.ensure_connection()
    except OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        fail(f"cannot reach the database named by DATABASE_URL: {reason}")
    call_command("migrate_schemas", interactive=False, verbosity=1)
    call_command("load_referentiel", verbosity=1)
    call_command("provision", all=True, verbosity=1)
    call_command("seed_demo", verbosity=1)
    from infra.dev.seeding.national import demo_release_ensure

    # The national figures of 2022–2024 and their releases (three years, 2024's quarters): the
    # statistics pages are never empty (both steps are skipped when already done).
    demo_release_ensure()
    from tenants.statistics.services import commission_status_refresh_sync

    # Each commission's status of today: the Commissions page reads it from the first visit,
    # before beat's first morning.
    commission_status_refresh_sync()
    connection.close()


def main() -> None:
    port = os.environ.get("PORT", "8000")
    # The demo shows the product's own pages (French error pages included); DEBUG=1 on request.
    os.environ.setdefault("DEBUG", "0")
    started = time.perf_counter()
    try:
        services = start_services()
    except Exception as exc:
        fail(f"could not start the embedded services: {exc}")
    for line in services.embedded:
        print(f"embedded: {line}")
    try:
        prepare()
        python = sys.executable
        manage = str(ROOT / "manage.py")
        children = [
            subprocess.Popen([python, manage, "runserver", f"0.0.0.0:{port}", "--noreload"]),
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "parcours",
                    "worker",
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    "2",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=str(ROOT / "platform"),
            ),
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "parcours",
                    "beat",
                    "--loglevel",
                    "INFO",
                    "--schedule",
                    str(
                        Path(os.environ.get("PARCOURS_DATA_DIR", ROOT / ".data"))
                        / "celerybeat-schedule"
                    ),
                ],
                cwd=str(ROOT / "platform"),
            ),
        ]
        from django.conf import settings

        base = settings.BASE_DOMAIN
        print(
            f"\nParcours is ready in {time.perf_counter() - started:.1f} s\n"
            f"  national console : http://{base}:{port}/\n"
            f"  Haute-Garonne    : http://31.{base}:{port}/   (every département: http://<code>.{base}:{port}/)\n"
            f"  API and schema   : http://{base}:{port}/api/v1/docs/\n"
            f"  demo logins are listed above (password: {settings.PARCOURS_DEMO_PASSWORD}; TOTP secrets beside them)\n"
            "Ctrl-C stops everything.\n",
            flush=True,
        )
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        print("stopped.")
    finally:
        services.stop()


if __name__ == "__main__":
    main()
