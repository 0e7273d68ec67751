"""axe-core over every page of the URL confs, for every role: no serious or critical violation.

A real Chromium (Debian's, driven by Playwright) loads each page that the walk of
`tests/page_walk.py` finds for a role, with its styles and scripts, and axe-core (vendored:
`tests/frontend/vendor/`) audits it against WCAG 2 A and AA. The browser's requests are
answered in-process by Django's test client of that role, inside the test's transaction: the
pages show the objects the walk built, with no live server. Playwright's sync API runs the
test's body in a greenlet whose context gets a connection of its own (Django keeps connections
per context), outside the test's transaction: the data is therefore committed (`committed`
drops it afterwards), and that connection is closed before the greenlet ends.

The application's Content Security Policy is not loosened: only this test's browser context
ignores it (`bypass_csp`) to inject axe-core, as a browser extension would.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import client_for
from tests.page_walk import READERS, Page, is_html_page, national_pages, tenant_pages

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING = {"serious", "critical"}
NOT_A_PAGE = "x-test-not-a-page"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 800}
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (make browser)",
    ),
]


def _answer(client: Any, route: Any) -> None:
    """The browser's request, answered by the role's Django test client."""
    from django.db import connections

    try:
        _answer_with(client, route)
    finally:
        # Playwright runs each handler in a context of its own, where Django opens a connection
        # of its own and keeps it (CONN_MAX_AGE): left open, they added up to PostgreSQL's
        # limit ("too many clients") when other tests ran beside this one.
        connections.close_all()


def _answer_with(client: Any, route: Any) -> None:
    request = route.request
    url = urlsplit(request.url)
    path = url.path + (f"?{url.query}" if url.query else "")
    extra = {"HTTP_HOST": url.hostname}
    if request.method == "POST":
        response = client.post(
            path,
            request.post_data_buffer or b"",
            content_type=request.headers.get("content-type", ""),
            **extra,
        )
    else:
        response = client.get(path, **extra)
    body = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    if request.is_navigation_request() and not is_html_page(response):
        # Not a page (a download, a redirect, a refusal): nothing for axe to audit.
        route.fulfill(status=200, headers={NOT_A_PAGE: "1"}, content_type="text/plain", body=b"")
        return
    route.fulfill(status=response.status_code, headers=dict(response.items()), body=body)


def _answering(client: Any) -> Any:
    # One argument: Playwright passes the request too to a handler that takes two.
    return lambda route: _answer(client, route)


def _violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """() => axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            resultTypes: ["violations"],
        })"""
    )
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> Any:
    # Playwright's sync API runs an event loop in this thread; the ORM calls made from its route
    # handler are synchronous, in this thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()
        connections.close_all()  # the connection of the context Playwright's calls ran in


@pytest.fixture
def browser(chromium: Any, committed: None) -> Any:
    return chromium


def test_the_audit_sees_a_violation_and_a_cut_off_page_where_there_are_some(
    chromium: Any,
) -> None:
    """The checks reach what they claim: a wide table in a region no keyboard can reach is a
    serious violation, and a block wider than a phone is a page cut off at 375 px."""
    context = chromium.new_context(bypass_csp=True, viewport=PHONE)
    page = context.new_page()
    page.set_content(
        '<html lang="fr"><head><title>Essai</title></head><body><main>'
        '<div style="overflow:auto;width:200px"><table><tr>'
        + "<td>Colonne large de texte</td>" * 12
        + "</tr></table></div><p style='width:600px'>Trop large</p></main></body></html>"
    )

    assert "scrollable-region-focusable" in {v["id"] for v in _violations(page)}
    assert page.evaluate(OVERFLOW) > 0
    context.close()


@pytest.mark.django_db(transaction=True)
def test_no_page_has_a_serious_or_critical_violation_for_any_role(
    browser: Any, release_2024: object
) -> None:
    pages, _built = tenant_pages()
    pages += national_pages()
    found: list[str] = []
    audited: dict[tuple[str | None, str | None], int] = {}
    seen: set[str] = set()
    for role, code in READERS:
        client = client_for(role, code)
        context = browser.new_context(locale="fr-FR", bypass_csp=True, viewport=DESKTOP)
        context.route("**/*", _answering(client))
        page = context.new_page()
        host = "localhost" if code is None else f"{code}.localhost"
        for entry in (p for p in pages if p.code == code):
            if NOT_A_PAGE in page.goto(f"http://{host}{entry.path}").headers:
                continue
            audited[(role, code)] = audited.get((role, code), 0) + 1
            seen.add(entry.name)
            for violation in _violations(page):
                found.append(_describe(role, code, entry, violation))
            # A phone's width: the page reflows, nothing is cut off nor scrolls sideways (only
            # a wide table does, inside its own focusable container).
            page.set_viewport_size(PHONE)
            if (overflow := page.evaluate(OVERFLOW)) > 0:
                found.append(f"{role}@{code or 'national'} {entry.path}: {overflow} px cut off")
            page.set_viewport_size(DESKTOP)
        context.close()
    # The walk reached each role's pages, the file and the session its département built.
    assert {"frontend:dossier", "frontend:commission_session"} <= seen, seen
    assert audited[("coordinator", "31")] >= 12, audited
    assert audited[("national_operator", None)] >= 8, audited
    assert not found, "\n".join(found)


def _describe(role: str | None, code: str | None, page: Page, violation: dict[str, Any]) -> str:
    targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
    return (
        f"{role or 'anonyme'}@{code or 'national'} {page.path}: {violation['impact']} "
        f"{violation['id']} ({violation['help']}) on {targets}"
    )


@pytest.mark.django_db
def test_a_refused_form_moves_the_focus_to_its_error_summary(chromium: Any, base: None) -> None:
    # An empty sign-in is refused by its form before anything is read or written: the route
    # handler's own connection (see the module's docstring) needs no data of this test.
    context = chromium.new_context(locale="fr-FR", viewport=DESKTOP)
    context.route("**/*", _answering(client_for(None, None)))
    page = context.new_page()
    page.goto("http://localhost/connexion/")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_selector("#error-summary")

    assert page.title().startswith("Erreur — ")
    assert page.evaluate("() => document.activeElement.id") == "error-summary"
    page.locator("#error-summary a").first.click()
    assert page.evaluate("() => document.activeElement.id") == "id_email"
    context.close()
