"""`python -m infra.runtime.probe /livez`: the container's health check, with no curl.

Asks the local web for the path with the national host's name (Django answers only the
hosts it serves) and exits 0 on a 2xx answer.
"""

from __future__ import annotations

import http.client
import os
import sys


def main(path: str) -> int:
    port = int(os.environ.get("PORT", "8000"))
    host = os.environ.get("PARCOURS_BASE_DOMAIN", "localhost")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers={"Host": host})
        status = connection.getresponse().status
    except OSError as exc:
        print(f"probe: {path}: {exc}", file=sys.stderr)
        return 1
    return 0 if 200 <= status < 300 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/livez"))
