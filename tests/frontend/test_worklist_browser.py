"""Each role's day starts on its home: the queue, its count, one click to the file, and the
file's next step above the fold (Chromium at 1280×800)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import People
from tests.test_browser import (
    ARTIFACTS,
    _assert_next_step_above_the_fold,
    _new_page,
    _sign_in,
    _url,
    page,  # noqa: F401 (the fixture)
    pytestmark,  # noqa: F401 (browser, transactional, skipped without Chromium)
)


def test_the_coordination_goes_from_its_queue_to_the_file_to_check(
    page: Any,  # noqa: F811
    live_server: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    from parcours.accounts.models import Role, User
    from parcours.accounts.services import membership_grant
    from parcours.associations.models import Association
    from parcours.db import connection
    from parcours.departements.models import Tenant
    from tenants.casework.services import TransitionRequest, dossier_transition
    from tests.tenants.casework.conftest import access_as, prepare

    settings.MEDIA_ROOT = str(tmp_path)
    connection.set_tenant(Tenant.objects.get(code="31"))
    worker = access_as("association_worker", "31")
    dossier = prepare(worker)
    dossier_transition(
        access=worker, dossier_id=dossier.pk, request=TransitionRequest(name="submit", data={})
    )
    pseudonym = dossier.person.pseudonym
    connection.set_tenant(Tenant.objects.get(code="13"))
    there = prepare(access_as("association_worker", "13")).person.pseudonym
    connection.set_schema_to_public()
    membership_grant(
        user=User.objects.get(email=People.email("association_worker", "31")),
        role=Role.ASSOCIATION_WORKER,
        tenant=Tenant.objects.get(code="13"),
        association=Association.objects.get(rna="W313000099"),
        actor_id=None,
    )
    ARTIFACTS.mkdir(exist_ok=True)

    page.set_viewport_size({"width": 1280, "height": 800})
    _sign_in(page, _url(live_server, "31", "/connexion/"), People.email("coordinator", "31"))
    page.goto(_url(live_server, "31", "/"))
    card = page.locator("[data-queue=to_check]")
    assert card.locator("[data-testid=queue-count]").inner_text() == "1"
    page.screenshot(path=str(ARTIFACTS / "home-coordination.png"), full_page=True)
    card.get_by_role("link", name=pseudonym).click()
    page.wait_for_selector("text=Prochaine étape")
    _assert_next_step_above_the_fold(page)

    association = _new_page(page)
    association.set_viewport_size({"width": 1280, "height": 800})
    _sign_in(
        association,
        _url(live_server, "31", "/connexion/"),
        People.email("association_worker", "31"),
    )
    association.goto(_url(live_server, "31", "/"))
    rows = association.locator("#worker-files tbody tr")
    assert rows.count() == 2
    assert association.locator("tr[data-departement='13']", has_text=there).count() == 1
    association.screenshot(path=str(ARTIFACTS / "home-association.png"), full_page=True)
