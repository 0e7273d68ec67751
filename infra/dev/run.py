"""`make run`: services, schema, reference and demo data, then web, worker and beat.

The web, worker and beat are the production runtime (infra/runtime: gunicorn, Celery), kept
running by its supervisor: a crashed worker or beat is started again while the web serves.
`DEBUG=1 make run` serves through Django's development server instead. Ctrl-C (or SIGTERM)
stops the three processes, then the embedded services.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path[:0] = [str(ROOT)]
sys.path.append(str(ROOT / "platform"))

from infra.dev.services import data_dir, start_services  # noqa: E402
from infra.runtime import programs  # noqa: E402
from infra.runtime.supervisor import Supervisor  # noqa: E402


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


def static_collect() -> None:
    """Collect the static files as the image does, when they changed since the last start
    (collecting takes some 20 s): the web then serves them as production does."""
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.core.management import call_command

    if not settings.STATIC_ROOT:
        return
    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in finder.list([]):
            stat = Path(storage.path(path)).stat()
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    stamp = Path(settings.STATIC_ROOT) / ".sources"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    call_command("collectstatic", interactive=False, clear=True, verbosity=0)
    stamp.write_text(digest.hexdigest())


def debug() -> bool:
    # Read as the settings read it (parcours/settings.py `_env_bool`).
    return os.environ.get("DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}


def runtime_environment(port: str) -> None:
    """What the production runtime reads, set for `make run` unless the caller chose."""
    if debug():
        return
    base = data_dir()
    os.environ.setdefault("LOG_FORMAT", "json")
    os.environ.setdefault("STATIC_ROOT", str(base / "static"))
    os.environ.setdefault("PARCOURS_STATIC_COMPRESS", "0")
    # Every process writes its metrics here; the web's master serves the sum of them.
    metrics = base / "metrics"
    shutil.rmtree(metrics, ignore_errors=True)
    metrics.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    os.environ.setdefault("PARCOURS_METRICS_PORT", str(int(port) + 1))
    os.environ.setdefault("PARCOURS_METRICS_BIND", "127.0.0.1")


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
    runtime_environment(port)
    try:
        prepare()
        static_collect()
        web = programs.dev_web(port=port) if debug() else programs.web(port=port)
        worker = programs.worker()
        # Only the web's master serves the metrics (of every process, from the shared folder).
        worker.env["PARCOURS_METRICS_PORT"] = ""
        supervisor = Supervisor(
            [web, worker, programs.beat(schedule=data_dir() / "celerybeat-schedule")]
        )
        from django.conf import settings

        base = settings.BASE_DOMAIN
        print(
            f"\nParcours is ready in {time.perf_counter() - started:.1f} s\n"
            f"  national console : http://{base}:{port}/\n"
            f"  Haute-Garonne    : http://31.{base}:{port}/   (every département: http://<code>.{base}:{port}/)\n"
            f"  API and schema   : http://{base}:{port}/api/v1/docs/\n"
            f"  demo logins are listed above (password: {settings.PARCOURS_DEMO_PASSWORD}; "
            "TOTP secrets beside them)\n"
            + (
                ""
                if debug()
                else f"  served by        : gunicorn; metrics on http://127.0.0.1:"
                f"{os.environ['PARCOURS_METRICS_PORT']}/metrics\n"
            )
            + "Ctrl-C stops everything.\n",
            flush=True,
        )
        code = supervisor.run()
        print("stopped.")
    finally:
        services.stop()
    sys.exit(code)


if __name__ == "__main__":
    main()
