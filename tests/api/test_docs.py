"""The API's documentation pages (Swagger UI, ReDoc) need nothing but this server.

They reference only files served here (no CDN: offline they would be blank), every one of
those files is served, and they run under the platform's strict Content-Security-Policy: no
inline script or style, no other origin. A real Chromium then draws both with every request
to another origin refused, and the page reports no CSP violation.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from tests.conftest import host

DOCS = ["/api/v1/docs/", "/api/v1/redoc/"]


class References(HTMLParser):
    """Every address a page loads, and the text of its inline scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []
        self.inline: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.addresses.append(values["src"] or "")
        elif tag == "link" and values.get("href"):
            self.addresses.append(values["href"] or "")
        elif tag in {"script", "style"}:
            self._open = tag
        if any(name == "style" or name.startswith("on") for name, _ in attrs):
            self.inline.append(f"{tag} attribute")

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self.inline.append(f"{self._open}: {data.strip()[:60]}")

    def handle_endtag(self, tag: str) -> None:
        self._open = None


def _body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)


@pytest.mark.parametrize("code", [None, "31"], ids=["national", "departement"])
@pytest.mark.parametrize("path", DOCS)
def test_the_docs_reference_only_local_files_and_each_is_served(
    base: None, db: None, code: str | None, path: str
) -> None:
    client = Client(HTTP_HOST=host(code))
    response = client.get(path)
    assert response.status_code == 200
    page = References()
    page.feed(response.content.decode())
    # Swagger UI: its CSS, bundle, preset and start-up script; ReDoc: its bundle.
    assert len(page.addresses) >= (5 if "docs" in path else 2), page.addresses
    assert page.inline == []
    for address in page.addresses:
        assert address.startswith("/") and not address.startswith("//"), address
        served = client.get(address)
        assert served.status_code == 200, address
        assert len(_body(served)) > 0, address
    bundles = [a for a in page.addresses if "drf_spectacular_sidecar" in a]
    assert bundles, "the bundles come from the sidecar package"


@pytest.mark.parametrize("path", DOCS)
def test_the_docs_run_under_the_strict_policy(base: None, db: None, path: str) -> None:
    policy = Client(HTTP_HOST=host("31")).get(path)["Content-Security-Policy"]
    directives = dict(
        ([*part.split(" ", 1), ""])[:2] for part in (p.strip() for p in policy.split(";")) if part
    )
    assert directives["script-src"] == "'self'"
    # ReDoc's style elements carry this answer's nonce; nothing else is added.
    assert re.fullmatch(r"'self'( 'nonce-[A-Za-z0-9+/=_-]+')?", directives["style-src"])
    assert not re.search(r"https?://|unsafe-inline|unsafe-eval", policy), policy


def test_swagger_ui_start_up_script_points_at_this_hosts_schema(base: None, db: None) -> None:
    response = Client(HTTP_HOST=host("31")).get("/api/v1/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in response.content.decode()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def offline_page(live_server: Any, committed: None) -> Iterator[tuple[Any, list[str], str]]:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    port = live_server.url.rsplit(":", 1)[1]
    origin = f"http://31.localhost:{port}"
    refused: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context()

        def only_this_server(route: Any) -> None:
            if route.request.url.startswith(origin):
                route.continue_()
            else:
                refused.append(route.request.url)
                route.abort()

        context.route("**/*", only_this_server)
        page = context.new_page()
        yield page, refused, origin
        context.close()
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (make browser)",
)
@pytest.mark.parametrize(
    ("path", "drawn", "blocked_styles"),
    [
        ("/api/v1/docs/", ".swagger-ui .info .title", False),
        # ReDoc's bundle writes its scrollbar's style element as it loads, before any option can
        # give it the nonce: the policy blocks that one (the browser's scrollbar is drawn
        # instead), and allows the styles ReDoc writes once started with the nonce. Its footer's
        # logo, on the editor's server, is refused too: nothing leaves for another origin.
        ("/api/v1/redoc/", "h1", True),
    ],
    ids=["swagger", "redoc"],
)
def test_a_browser_draws_the_docs_offline_without_a_policy_violation(
    offline_page: tuple[Any, list[str], str], path: str, drawn: str, blocked_styles: bool
) -> None:
    page, refused, origin = offline_page
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(origin + path)
    page.wait_for_selector(drawn, timeout=30_000)
    assert "Parcours API" in page.inner_text(drawn)
    assert refused == []
    if blocked_styles:
        for text in violations:
            assert "Applying inline style violates" in text or (
                "img-src" in text and "https://cdn.redoc.ly/" in text
            ), text
    else:
        assert violations == []
