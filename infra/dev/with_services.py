"""Run a command with embedded services for whichever of DATABASE_URL / CELERY_BROKER_URL is unset.

`make test` uses it: `python infra/dev/with_services.py pytest …`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from infra.dev.services import start_services  # noqa: E402


def main() -> int:
    services = start_services()
    # Says which path this run takes: CI checks that its newcomer pass really used these.
    for service in services.embedded:
        print(f"with_services: embedded {service}", flush=True)
    try:
        return subprocess.call(sys.argv[1:])
    finally:
        services.stop()


if __name__ == "__main__":
    sys.exit(main())
