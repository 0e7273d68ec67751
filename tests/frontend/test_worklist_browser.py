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


def test_a_member_opens_the_next_session_and_a_dpo_the_audit_trail_from_their_home(
    page: Any,  # noqa: F811
    live_server: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    from parcours.db import connection
    from parcours.departements.models import Tenant
    from tenants.commission import services as commission
    from tests.tenants.casework.conftest import access_as
    from tests.tenants.commission.factories import member_seated, session_in_twelve_days

    settings.MEDIA_ROOT = str(tmp_path)
    connection.set_tenant(Tenant.objects.get(code="31"))
    coordinator = access_as("coordinator", "31")
    member_seated(coordinator, email=People.email("member", "31"))
    session = session_in_twelve_days(coordinator)
    commission.agenda_add_policy(access=coordinator, session_id=session.pk, title="Bilan annuel")
    commission.session_convene(access=coordinator, session_id=session.pk)
    connection.set_schema_to_public()

    page.set_viewport_size({"width": 1280, "height": 800})
    _sign_in(page, _url(live_server, "31", "/connexion/"), People.email("member", "31"))
    page.goto(_url(live_server, "31", "/"))
    assert "Bilan annuel" in page.inner_text("[data-testid=member-agenda]")
    page.locator("#file-membre a").first.click()
    page.wait_for_selector("[data-testid=convocation-pdf]")
    with page.expect_download() as download:
        page.locator("[data-testid=convocation-pdf]").click()
    assert download.value.suggested_filename.startswith("convocation-31-")

    dpo = _new_page(page)
    _sign_in(dpo, _url(live_server, "31", "/connexion/"), People.email("dpo", "31"))
    dpo.goto(_url(live_server, "31", "/"))
    dpo.get_by_role("link", name="Consulter le journal d'audit").click()
    dpo.wait_for_selector('h1:has-text("Journal d\'audit du département")')
