"""Smoke check of a running `make run`: health, then sign-in and both home pages.

Usage: python infra/dev/smoke.py PORT. Talks to 127.0.0.1 with explicit Host headers, so it
needs no name resolution for `*.localhost`. Exits non-zero with the reason on failure.
"""

from __future__ import annotations

import http.client
import json
import re
import sys
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

PASSWORD = "parcours-demo-2026"


class Browser:
    def __init__(self, port: int, host: str) -> None:
        self.port, self.host, self.cookies = port, host, SimpleCookie()

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v.value}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        return response.status, response.headers.get("Location", ""), response.read().decode()

    def sign_in(self, email: str) -> None:
        status, _, page = self.request("GET", "/connexion/")
        assert status == 200, f"login page on {self.host}: {status}"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        status, _, _ = self.request(
            "POST",
            "/connexion/",
            {
                "csrfmiddlewaretoken": token.group(1),
                "email": email,
                "password": PASSWORD,
                "next": "/",
            },
        )
        assert status == 302, f"sign-in of {email} on {self.host} answered {status}"


def wait_healthy(port: int, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            status, _, body = Browser(port, "localhost").request("GET", "/healthz")
            if status == 200 and json.loads(body)["status"] == "ok":
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"smoke: /healthz did not answer ok within {seconds:.0f} s")


def main() -> None:
    port = int(sys.argv[1])
    waited = wait_healthy(port, float(sys.argv[2]) if len(sys.argv) > 2 else 240)
    print(f"smoke: healthy after {waited:.0f} s")
    national = Browser(port, "localhost")
    national.sign_in("operateur@parcours.test")
    status, _, page = national.request("GET", "/")
    assert status == 200 and "Haute-Garonne" in page and page.count("<tr data-code=") == 101, (
        f"national home: {status}"
    )
    print("smoke: national console lists the 101 départements")
    tenant = Browser(port, "31.localhost")
    tenant.sign_in("coordination.31@parcours.test")
    status, _, page = tenant.request("GET", "/")
    assert status == 200 and "Haute-Garonne" in page and "Associations agréées" in page, (
        f"tenant home: {status}"
    )
    print("smoke: Haute-Garonne's home renders for its coordinator")
    status, _, _ = Browser(port, "99.localhost").request("GET", "/")
    assert status == 404, f"unknown host: {status}"
    print("smoke: ok")


if __name__ == "__main__":
    main()
