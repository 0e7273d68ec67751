"""ProConnect in a real Chromium: the button, the provider's form, the landing in the agent's
département across hosts, and the sign-out that ends the provider's session too."""

from __future__ import annotations

from typing import Any

from tests.oidc_provider.fixture import PASSWORD, OidcProvider
from tests.test_browser import ARTIFACTS, _url, page, pytestmark  # noqa: F401


def test_an_agent_signs_in_with_proconnect_and_out_of_both(
    proconnect_on: OidcProvider,
    page: Any,  # noqa: F811
    live_server: Any,
) -> None:
    # No query in the body: one made while Playwright runs leaves a connection open past the
    # test, and the test database's teardown then warns (what the sign-in marks and audits is
    # checked in tests/parcours/accounts/test_proconnect.py).
    proconnect_on.register(
        redirect_uri=_url(live_server, None, "/proconnect/retour/"),
        post_logout_redirect_uri=_url(live_server, None, "/proconnect/deconnecte/"),
    )
    page.goto(_url(live_server, "31", "/connexion/"))
    page.get_by_role("link", name="S'identifier avec ProConnect").click()
    # At the provider: its own form, on its own origin.
    page.wait_for_url(f"{proconnect_on.base}/login/**")
    page.fill("input[name=username]", "coordinator.31@test.parcours")
    page.fill("input[name=password]", PASSWORD)
    page.check("input[name=second_factor]")
    page.get_by_role("button", name="Sign in").click()
    # Back on the national host, the landing carries her to her département.
    page.locator("[data-testid=continue]").click()
    page.wait_for_url(_url(live_server, "31", "/"))
    assert "Haute-Garonne" in page.locator("[data-testid=tenant-name]").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "proconnect-tenant-home.png"), full_page=False)

    # Signing out on the département's host ends the provider's session, then comes back.
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(_url(live_server, None, "/proconnect/deconnecte/**"))
    assert "votre session ProConnect sont fermées" in page.content()
    # A new ProConnect sign-in asks for the provider's password again.
    page.goto(_url(live_server, None, "/proconnect/connexion/"))
    page.wait_for_url(f"{proconnect_on.base}/login/**")
