"""The Commissions page in a real Chromium at 1280 px: the "À traiter" column is visible
without scrolling sideways, with 101 départements and the longest reasons."""

from __future__ import annotations

from typing import Any

from tests.conftest import People
from tests.test_browser import ARTIFACTS, _sign_in, _url, page, pytestmark  # noqa: F401


def test_the_to_handle_column_is_visible_at_1280_px(page: Any, live_server: Any) -> None:  # noqa: F811
    from parcours.referentiel.models import Departement
    from parcours.reporting.models import CommissionStatus
    from tests.parcours.reporting.oversight_factories import COLLEGES, up_to_date

    codes = list(Departement.objects.values_list("code", flat=True))
    worst = {
        "colleges": {c: [3, 1] for c in COLLEGES} | {"ddets": [1, 0], "service_etrangers": [1, 0]},
        "colleges_without_titular": ["ddets", "service_etrangers"],
        "chair_in_office": False,
        "mandates_ending": 3,
        "sessions_held_year": 0,
        "files_overdue": 12,
        "approvals_expiring": 2,
    }
    CommissionStatus.objects.bulk_create(
        [up_to_date(code, **(worst if n % 3 == 0 else {})) for n, code in enumerate(codes)]
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    _sign_in(page, _url(live_server, None, "/connexion/"), People.email("national_analyst", None))
    page.goto(_url(live_server, None, "/statistiques/commissions/"))
    page.wait_for_selector("#commissions")
    assert page.locator("#commissions tbody tr").count() == 101
    header = page.get_by_role("columnheader", name="À traiter").bounding_box()
    assert header is not None and header["x"] + header["width"] <= 1280
    # Neither the page nor the table scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.evaluate(
        "(() => { const w = document.querySelector('#commissions .fr-table__wrapper');"
        " return w.scrollWidth <= w.clientWidth; })()"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "commissions-1280.png"), full_page=False)
