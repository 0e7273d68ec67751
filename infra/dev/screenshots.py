"""Screenshots of each role's home on a running `make run` (the README shows them).

Usage: python infra/dev/screenshots.py PORT [OUT_DIR]  (default docs/screenshots). Signs in
each demo account through the real forms, second factor included (the secrets `make run`
printed, read from its log: SMOKE_RUN_LOG, as infra/dev/smoke.py), then opens its home in
Debian's Chromium (Playwright) at 1280 px wide and saves the whole page.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from smoke import Browser

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = "/usr/bin/chromium"
# (file name, account, host: None for the national host, else the département's code)
HOMES: tuple[tuple[str, str, str | None], ...] = (
    ("home-coordination", "coordination.31@parcours.test", "31"),
    ("home-prefet", "prefet.31@parcours.test", "31"),
    ("home-member", "membre.police.31@parcours.test", "31"),
    ("home-association", "intervenante@issue-de-secours.test", "31"),
    ("home-dpo", "dpo.31@parcours.test", "31"),
    ("home-national", "operateur@parcours.test", None),
)


def main() -> None:
    port = int(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for name, email, code in HOMES:
            host = "localhost" if code is None else f"{code}.localhost"
            signed_in = Browser(port, host)
            signed_in.sign_in(email)
            context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
            context.add_cookies(
                [
                    {"name": key, "value": morsel.value, "url": f"http://{host}:{port}/"}
                    for key, morsel in signed_in.cookies.items()
                ]
            )
            page = context.new_page()
            page.goto(f"http://{host}:{port}/")
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(f"{name}: {page.title()}")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
