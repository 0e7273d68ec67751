"""A real Chromium (Debian's, driven by Playwright) signs in and reaches both homes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD, People, totp_code


def _through_a_session(pseudonym: str) -> None:
    from parcours.db import connection
    from parcours.departements.models import Tenant
    from tenants.casework.models import Dossier
    from tests.tenants.casework.conftest import access_as
    from tests.tenants.commission.factories import through_a_session

    connection.set_tenant(Tenant.objects.get(code="31"))
    try:
        through_a_session(
            coordinator=access_as("coordinator", "31"),
            dossiers=[Dossier.objects.get(person__pseudonym=pseudonym, state="complete")],
        )
    finally:
        connection.set_schema_to_public()


CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (make browser)",
    ),
]


@pytest.fixture
def page(live_server: Any, committed: None) -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures
    # around it are synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(locale="fr-FR")
        yield context.new_page()
        context.close()
        browser.close()


def _url(live_server: Any, code: str | None, path: str) -> str:
    port = live_server.url.rsplit(":", 1)[1]
    host = "localhost" if code is None else f"{code}.localhost"
    return f"http://{host}:{port}{path}"


def _sign_in(page: Any, url: str, email: str) -> None:
    page.goto(url)
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    if "/connexion/second-facteur/" in page.url:
        from parcours.accounts.models import User

        # The second factor, as the person types it from their authenticator application.
        page.get_by_label("Code").fill(totp_code(User.objects.get(email=email)))
        page.get_by_role("button", name="Valider").click()


def test_a_national_operator_signs_in_and_sees_the_101_departements(
    page: Any, live_server: Any
) -> None:
    _sign_in(page, _url(live_server, None, "/connexion/"), People.email("national_operator", None))
    page.wait_for_selector("#departements")
    assert page.locator("#departements tbody tr").count() == 101
    assert "Console nationale" in page.locator("[data-testid=tenant-name]").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "national-home.png"), full_page=False)


def test_a_coordinator_signs_in_on_the_national_host_and_reaches_her_departement(
    page: Any, live_server: Any
) -> None:
    _sign_in(page, _url(live_server, None, "/connexion/"), People.email("coordinator", "31"))
    # Her only space is Haute-Garonne: the sign-in is carried there (accounts.handoff), once
    # she confirmed the account is hers.
    page.locator("[data-testid=continue]").click()
    page.wait_for_url(_url(live_server, "31", "/"))
    assert "Haute-Garonne" in page.locator("[data-testid=tenant-name]").inner_text()
    assert int(page.locator("[data-testid=people-count]").inner_text()) >= 5
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "tenant-home.png"), full_page=False)
    # Another département's space: no session there, so a login page, never a loop or data.
    page.goto(_url(live_server, "75", "/"))
    assert "/connexion/" in page.url


def test_a_worker_approved_in_two_departements_switches_without_signing_in_again(
    page: Any, live_server: Any
) -> None:
    from parcours.accounts.models import Role, User
    from parcours.accounts.services import membership_grant
    from parcours.associations.models import Association
    from parcours.departements.models import Tenant

    worker = User.objects.get(email=People.email("association_worker", "31"))
    membership_grant(
        user=worker,
        role=Role.ASSOCIATION_WORKER,
        tenant=Tenant.objects.get(code="13"),
        association=Association.objects.get(rna="W313000099"),
        actor_id=None,
    )
    _sign_in(page, _url(live_server, "31", "/connexion/"), worker.email)
    page.wait_for_selector("[data-testid=people-count]")
    page.goto(_url(live_server, "31", "/espaces/"))
    page.get_by_role("link", name="Bouches-du-Rhône").click()
    # The new space asks before opening a session for the account the link carries.
    page.locator("[data-testid=continue]").click()
    page.wait_for_url(_url(live_server, "13", "/"))
    assert "Bouches-du-Rhône" in page.locator("[data-testid=tenant-name]").inner_text()
    page.wait_for_selector("[data-testid=agrements-count]")


def _new_page(page: Any) -> Any:
    """Another person at another computer: a fresh browser context."""
    return page.context.browser.new_context(locale="fr-FR").new_page()


def _assert_next_step_above_the_fold(page: Any) -> None:
    """At 1280×800 the page's main action is visible without scrolling."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.evaluate("window.scrollTo(0, 0)")
    box = page.locator("[data-primary-action]").first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800, box


def test_the_main_path_of_a_file_in_the_browser(
    page: Any, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    """Association submits, coordination schedules and records the avis, the préfet decides,
    the decision letter downloads."""
    from django.utils import timezone

    from parcours import celery_app
    from parcours.db import connection
    from parcours.departements.models import Tenant
    from tests.tenants.casework.conftest import access_as, prepare

    settings.MEDIA_ROOT = str(tmp_path)
    celery_app.conf.task_always_eager = True  # the letter is generated when the decision commits
    try:
        connection.set_tenant(Tenant.objects.get(code="31"))
        dossier = prepare(access_as("association_worker", "31"))
        pseudonym = dossier.person.pseudonym
        connection.set_schema_to_public()
        file_url = _url(live_server, "31", f"/dossiers/{dossier.pk}/")
        today = timezone.localdate().isoformat()

        _sign_in(
            page, _url(live_server, "31", "/connexion/"), People.email("association_worker", "31")
        )
        page.goto(file_url)
        assert pseudonym in page.inner_text("h1")
        page.locator("form[data-transition=submit] button").click()
        page.wait_for_selector("text=Déposé, complétude à vérifier")

        coordinator = _new_page(page)
        _sign_in(
            coordinator, _url(live_server, "31", "/connexion/"), People.email("coordinator", "31")
        )
        coordinator.goto(_url(live_server, "31", "/dossiers/?q=" + pseudonym))
        coordinator.get_by_role("link", name=pseudonym).click()
        _assert_next_step_above_the_fold(coordinator)
        coordinator.locator("form[data-transition=declare_complete] button").click()
        coordinator.wait_for_selector("text=Complet, à inscrire en séance")
        # The avis comes from a session's vote (its pages are tested in tests/tenants/commission).
        _through_a_session(pseudonym)
        coordinator.reload()
        coordinator.wait_for_selector("text=Avis de la commission rendu")

        prefet = _new_page(page)
        _sign_in(prefet, _url(live_server, "31", "/connexion/"), People.email("prefet", "31"))
        prefet.goto(_url(live_server, "31", "/dossiers/"))  # the préfet's queue: decisions to sign
        prefet.get_by_role("link", name=pseudonym).click()
        _assert_next_step_above_the_fold(prefet)
        ARTIFACTS.mkdir(exist_ok=True)
        prefet.screenshot(path=str(ARTIFACTS / "dossier-to-decide.png"))
        prefet.locator("form[data-transition=authorise] input[type=date]").fill(today)
        prefet.locator("form[data-transition=authorise] button").click()
        # The letter is read before it is signed; nothing is decided until then.
        prefet.wait_for_selector("[data-testid=letter-preview]")
        ARTIFACTS.mkdir(exist_ok=True)
        prefet.screenshot(path=str(ARTIFACTS / "decision-preview.png"), full_page=True)
        assert "est autorisé" in prefet.inner_text("[data-testid=letter-preview]")
        prefet.get_by_role("button", name="Signer l'autorisation").click()
        prefet.wait_for_selector("text=Autorisé par le préfet")
        assert "Période 1" in prefet.content()
        with prefet.expect_download() as download_info:
            prefet.locator("#documents a", has_text="Décision du préfet").click()
        assert download_info.value.suggested_filename == f"decision-{pseudonym}.pdf"
        letter = Path(download_info.value.path()).read_bytes()
        assert letter.startswith(b"%PDF")
        ARTIFACTS.mkdir(exist_ok=True)
        prefet.screenshot(path=str(ARTIFACTS / "dossier-authorised.png"), full_page=True)
    finally:
        celery_app.conf.task_always_eager = False


def test_a_full_commission_session_in_the_browser(
    page: Any, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    """Convocation, attendance, quorum, votes, the avis on the file, the minutes download."""
    import datetime as dt

    from django.utils import timezone

    from parcours.accounts.models import User
    from parcours.db import connection
    from parcours.departements.models import Tenant
    from tenants.casework.models import Dossier
    from tenants.casework.services import TransitionRequest, dossier_transition
    from tenants.commission.models import Session
    from tenants.commission.services import member_appoint, session_schedule
    from tests.tenants.casework.conftest import access_as, prepare

    settings.MEDIA_ROOT = str(tmp_path)
    connection.set_tenant(Tenant.objects.get(code="31"))
    worker, coordinator = access_as("association_worker", "31"), access_as("coordinator", "31")
    dossier = prepare(worker)
    dossier_transition(
        access=worker, dossier_id=dossier.pk, request=TransitionRequest(name="submit", data={})
    )
    dossier_transition(
        access=coordinator,
        dossier_id=dossier.pk,
        request=TransitionRequest(name="declare_complete", data={}),
    )
    start = timezone.localdate() - dt.timedelta(days=30)
    names = []
    for college in ("magistrat", "ddets", "gendarmerie"):
        user = User.objects.create_user(
            email=f"{college}@session.test",
            password=None,
            first_name=college.title(),
            last_name="Membre",
        )
        member_appoint(
            access=coordinator,
            user_id=user.pk,
            college=college,
            arrete_reference="A-31",
            arrete_on=start,
            mandate_start=start,
        )
        names.append(user.display_name)
    session = session_schedule(
        access=coordinator, starts_at=timezone.now() + dt.timedelta(days=7), place="Salle 3"
    )
    connection.set_schema_to_public()
    url = _url(live_server, "31", f"/commission/seances/{session.pk}/")

    _sign_in(page, _url(live_server, "31", "/connexion/"), People.email("coordinator", "31"))
    page.goto(url)
    page.get_by_label("Inscrire un dossier complet").select_option(str(dossier.pk))
    page.get_by_role("button", name="Inscrire").click()
    page.get_by_role("button", name="Convoquer les membres").click()
    page.wait_for_selector("text=Convoquée")
    connection.set_tenant(Tenant.objects.get(code="31"))  # the day of the session has come
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now())
    Dossier.objects.filter(pk=dossier.pk).update(session_on=timezone.localdate())
    connection.set_schema_to_public()
    page.goto(url)
    # The attendance of every seat, then the votes of the item: one submit each.
    for name in names[:2]:
        page.get_by_label(f"Présence de {name}").select_option("in_person")
    page.get_by_role("button", name="Enregistrer les présences").click()
    assert "atteint" in page.locator("#quorum").inner_text().lower()
    page.get_by_role("button", name="Ouvrir la séance").click()
    for name in names[:2]:
        page.get_by_label(f"Vote de {name}").select_option("favourable")
    page.get_by_role("button", name="Enregistrer les votes").click()
    page.get_by_role("button", name="Clore le vote et rendre l'avis").click()
    page.wait_for_selector("text=Avis favorable")
    page.get_by_role("button", name="Clore la séance").click()
    page.wait_for_selector("text=Close")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Procès-verbal (PDF)").click()
    assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF")
    page.goto(_url(live_server, "31", f"/dossiers/{dossier.pk}/"))
    assert "Avis de la commission rendu" in page.content()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dossier-after-session.png"), full_page=False)


def test_the_statistics_map_renders_under_the_content_security_policy(
    page: Any, live_server: Any
) -> None:
    """The CSP allows no inline script nor style: the page must not need one (no violation in
    the console), and the map and its legend draw."""
    import datetime as dt

    from infra.dev.seeding.national import national_figures_seed
    from tenants.statistics.services import release_run_sync

    national_figures_seed(distribution={"31": 39, "75": 148, "13": 4})
    release_run_sync(period_kind="year", period_start=dt.date(2024, 1, 1), actor_id=None)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    _sign_in(page, _url(live_server, None, "/connexion/"), People.email("national_analyst", None))
    page.goto(_url(live_server, None, "/statistiques/"))
    page.wait_for_selector("svg.parcours-map")
    assert page.locator("svg.parcours-swatch").count() >= 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "statistics.png"), full_page=True)
    assert violations == []


def test_an_access_export_being_prepared_shows_ready_without_a_manual_reload(
    page: Any, live_server: Any
) -> None:
    import datetime as dt

    from django.utils import timezone
    from playwright.sync_api import expect

    from parcours.db import connection
    from parcours.departements.models import Tenant
    from tenants.privacy.models import AccessExport, ExportStatus
    from tests.api.test_casework import plain_dossier

    dossier = plain_dossier(last_name="Suivie")
    connection.set_tenant(Tenant.objects.get(code="31"))
    try:
        export = AccessExport.objects.create(
            person_id=dossier.person_id, status=ExportStatus.RUNNING, progress=40
        )
    finally:
        connection.set_schema_to_public()
    _sign_in(page, _url(live_server, "31", "/"), People.email("coordinator", "31"))
    page.goto(_url(live_server, "31", "/droit-acces/"))
    assert page.locator("#exports-avancement").get_attribute("data-progress") is not None
    assert "40 %" in page.locator("#exports-avancement").inner_text()

    # The worker advances, then finishes: the page follows by itself.
    connection.set_tenant(Tenant.objects.get(code="31"))
    try:
        AccessExport.objects.filter(pk=export.pk).update(progress=80)
        # (Playwright's expect polls from Python: a predicate string would need eval, which
        # the content security policy refuses, as it should.)
        expect(page.locator("#exports-avancement")).to_contain_text("80 %", timeout=15_000)
        AccessExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.READY,
            progress=100,
            json_storage_name="x.json",
            pdf_storage_name="x.pdf",
            finished_at=timezone.now(),
            expires_at=timezone.now() + dt.timedelta(days=30),
        )
    finally:
        connection.set_schema_to_public()
    expect(page.locator("#exports-avancement[data-progress]")).to_have_count(0, timeout=15_000)
    expect(page.locator("#exports-avancement")).to_contain_text("Prêt")
