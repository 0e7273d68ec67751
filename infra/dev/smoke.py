"""Smoke check of a running `make run`: health, then sign-in and both home pages.

Usage: python infra/dev/smoke.py PORT [SECONDS]. Talks to 127.0.0.1 with explicit Host
headers, so it needs no name resolution for `*.localhost`. Exits non-zero with the reason on
failure. It also checks that the production runtime answers (gunicorn, static files under
their hashed names, the API's documentation from local files, the metrics on PORT+1), unless
SMOKE_DEVELOPMENT_SERVER=1 (`DEBUG=1 make run`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import struct
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

PASSWORD = "parcours-demo-2026"


class Browser:
    def __init__(self, port: int, host: str) -> None:
        self.port, self.host, self.cookies = port, host, SimpleCookie()
        self.headers: http.client.HTTPMessage | None = None

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
        self.headers = response.headers
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        return response.status, response.headers.get("Location", ""), response.read().decode()

    def sign_in(self, email: str) -> None:
        status, _, page = self.request("GET", "/connexion/")
        assert status == 200, f"login page on {self.host}: {status}"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        status, location, _ = self.request(
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
        if location.startswith("/connexion/second-facteur/"):
            self.second_factor(email, location)

    def second_factor(self, email: str, location: str) -> None:
        """The code the demo account's authenticator shows, from the secret `make run` printed
        beside its login (the demo signs in like production: no bypass)."""
        status, _, page = self.request("GET", location)
        assert status == 200, f"second-factor page on {self.host}: {status}"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the second-factor page"
        for attempt in range(2):
            status, _, _ = self.request(
                "POST",
                location,
                {"csrfmiddlewaretoken": token.group(1), "code": totp(demo_secret(email))},
            )
            if status == 302 or attempt:
                break
            # A code serves once: a second sign-in within the same 30 s waits for the next one.
            time.sleep(30 - time.time() % 30 + 1)
        assert status == 302, f"second factor of {email} on {self.host} answered {status}"


def demo_secret(email: str) -> str:
    """The TOTP secret `make run` printed under the account's login (its log, SMOKE_RUN_LOG)."""
    lines = Path(os.environ.get("SMOKE_RUN_LOG", "test-artifacts/make-run.log")).read_text()
    found = re.search(re.escape(email) + r".*\n\s*second facteur \(TOTP\) : ([A-Z2-7]+)", lines)
    assert found, f"no TOTP secret printed for {email}"
    return found.group(1)


def totp(secret: str, *, at: float | None = None) -> str:
    """RFC 6238 with SHA-1, 30 s and 6 digits (django-otp's defaults), from the standard library."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = struct.pack(">Q", int((time.time() if at is None else at) // 30))
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


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


def production_runtime(port: int) -> None:
    """The answers come from gunicorn, with production's static files, docs and metrics."""
    browser = Browser(port, "localhost")
    status, _, _ = browser.request("GET", "/healthz")
    server = browser.headers.get("Server", "") if browser.headers else ""
    assert status == 200 and server.startswith("gunicorn"), f"/healthz served by {server!r}"
    print("smoke: /healthz answered by gunicorn")
    status, _, page = browser.request("GET", "/connexion/")
    subresource_integrity(port, page)
    styles = re.findall(r'href="(/static/[^"]+\.css)"', page)
    hashed = [href for href in styles if re.search(r"\.[0-9a-f]{12}\.css$", href)]
    assert hashed, f"no collected (hashed) stylesheet on the login page: {styles}"
    status, _, _ = browser.request("GET", hashed[0])
    cache = browser.headers.get("Cache-Control", "") if browser.headers else ""
    assert status == 200 and "immutable" in cache, f"{hashed[0]}: {status} {cache!r}"
    print("smoke: static files collected, served with their hashed names")
    status, _, page = browser.request("GET", "/api/v1/docs/")
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert status == 200 and scripts and all(src.startswith("/") for src in scripts), scripts
    for src in scripts:
        assert browser.request("GET", src)[0] == 200, src
    print("smoke: the API's documentation loads only local files")
    metrics = http.client.HTTPConnection("127.0.0.1", port + 1, timeout=30)
    metrics.request("GET", "/metrics")
    answer = metrics.getresponse()
    body = answer.read().decode()
    assert answer.status == 200 and 'route="frontend:healthz"' in body, "metrics"
    print(f"smoke: metrics on port {port + 1}")


def subresource_integrity(port: int, page: str) -> None:
    """Every integrity attribute of the page matches the file served: a stylesheet rewritten by
    collectstatic (hashed url()s) after its checksum was taken is refused by the browser, and
    the page shows with no style at all."""
    checked = 0
    for tag in re.findall(r"<(?:link|script)\b[^>]*>", page):
        integrity = re.search(r'integrity="(sha256|sha384|sha512)-([^"]+)"', tag)
        source = re.search(r'(?:href|src)="(/static/[^"]+)"', tag)
        if integrity is None or source is None:
            continue
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", source.group(1), headers={"Host": f"localhost:{port}"})
        body = connection.getresponse().read()
        digest = base64.b64encode(hashlib.new(integrity.group(1), body).digest()).decode()
        assert digest == integrity.group(2), (
            f"{source.group(1)}: its integrity attribute does not match the file served"
        )
        checked += 1
    print(f"smoke: {checked} integrity attribute(s) match the files served")


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
    if os.environ.get("SMOKE_DEVELOPMENT_SERVER") != "1":
        production_runtime(port)
    print("smoke: ok")


if __name__ == "__main__":
    main()
