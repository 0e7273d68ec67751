"""frontend/views: the national console, a département's home, sign-in, spaces, error pages."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from decimal import Decimal
from urllib.parse import unquote, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from parcours.accounts.models import Role, User
from parcours.accounts.services import membership_grant
from parcours.audit.models import AuditEvent
from parcours.departements.models import Domain, Tenant, TenantStatus
from parcours.departements.routing import forget_hosts
from parcours.referentiel.models import Departement, LegalParameter, NomenclatureItem
from parcours.referentiel.services import legal_parameter_add
from tests.conftest import PASSWORD, People, sign_in

# Each request is one transaction (ATOMIC_REQUESTS): inside a test's transaction, a savepoint
# and its release.
REQUEST_SAVEPOINT = 2

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

INVALID_LOGIN = "Adresse électronique ou mot de passe incorrect."


def _rows(html: str) -> dict[str, str]:
    """The national table's rows by département code."""
    return dict(re.findall(r'<tr data-code="([0-9AB]+)">(.*?)</tr>', html, flags=re.S))


def _register_tenants_without_schema(codes: list[str]) -> None:
    for ref in Departement.objects.select_related("region").filter(code__in=codes):
        tenant = Tenant(
            schema_name=Tenant.schema_name_for(ref.code),
            code=ref.code,
            name=ref.name,
            region=ref.region,
        )
        tenant.save()
        Domain.objects.create(
            domain=f"{ref.code.lower()}.localhost", tenant=tenant, is_primary=True
        )


# --- national console ---------------------------------------------------------------------


def test_national_home_lists_the_101_departements(login) -> None:
    response = login("national_operator", None).get("/")

    assert response.status_code == 200
    html = response.content.decode()
    rows = _rows(html)
    assert len(rows) == 101
    assert "Haute-Garonne" in rows["31"] and "Corse-du-Sud" in rows["2A"]
    assert "3 commissions actives sur 101 départements ; 98 non provisionnés." in html


def test_operator_may_provision_only_what_is_not_provisioned(login) -> None:
    rows = _rows(login("national_operator", None).get("/").content.decode())

    with_button = {code for code, row in rows.items() if "Provisionner" in row}
    assert with_button == set(rows) - {"31", "75", "13"}
    assert 'action="/departements/2A/provisionner/"' in rows["2A"]
    assert 'href="http://31.localhost/"' in rows["31"]


def test_a_provisioning_asked_for_shows_as_under_way_and_the_page_follows_it(
    login, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = login("national_operator", None)
    # The worker is not run here: the request is recorded, the département not created yet.
    response = client.post("/departements/2A/provisionner/")
    assert response.status_code == 302
    html = client.get("/").content.decode()
    row = _rows(html)["2A"]
    assert "Provisionnement en cours" in row and "Provisionner" not in row
    assert 'id="departements" aria-live="polite" data-progress' in html
    assert "/static/parcours-progress.js" in html


def test_analyst_sees_no_provision_button(login) -> None:
    html = login("national_analyst", None).get("/").content.decode()
    assert "parcours-progress.js" not in html  # nothing under way: the page does not poll

    assert len(_rows(html)) == 101
    assert "Provisionner" not in html


def test_national_home_costs_a_constant_number_of_queries(
    login, django_assert_max_num_queries, django_assert_num_queries
) -> None:
    client = login("national_operator", None)
    with (
        django_assert_max_num_queries(8 + REQUEST_SAVEPOINT),
        CaptureQueriesContext(connection) as three,
    ):
        client.get("/")

    _register_tenants_without_schema(["01", "2A", "971", "976"])

    with django_assert_num_queries(len(three)):
        html = client.get("/").content.decode()
    assert "7 commissions actives" in html


def test_provision_button_queues_the_request(login, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = login("national_operator", None).post("/departements/2A/provisionner/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert len(callbacks) == 1
    with schema_context("public"):
        assert AuditEvent.objects.filter(
            action="departement.provision_requested", object_id="2A"
        ).exists()


def test_provision_of_an_unknown_code_shows_an_error(
    login, django_capture_on_commit_callbacks
) -> None:
    client = login("national_operator", None)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/departements/99/provisionner/", follow=True)

    assert callbacks == []
    assert "Code(s) de département inconnu(s) : 99" in response.content.decode()


# --- a département's home -----------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "prefet", "dpo", "member"])
def test_tenant_home_shows_the_commission_figures(login, role: str) -> None:
    response = login(role, "31").get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="people-count">5<' in html
    assert 'data-testid="agrements-count">2<' in html
    assert "Association A" in html and "Association B" in html
    assert "Haute-Garonne" in html


def test_association_worker_sees_only_their_association_approval(login) -> None:
    html = login("association_worker", "31").get("/").content.decode()

    assert 'data-testid="agrements-count">1<' in html
    assert "Association A" in html
    assert "Association B" not in html


@pytest.mark.parametrize(("role", "sees_audit"), [("coordinator", True), ("member", False)])
def test_audit_figure_is_shown_to_coordination_only(login, role: str, sees_audit: bool) -> None:
    html = login(role, "31").get("/").content.decode()

    assert ("Journal d'audit" in html) is sees_audit


def test_tenant_home_costs_a_bounded_number_of_queries(
    login, django_assert_max_num_queries
) -> None:
    client = login("coordinator", "31")
    client.get("/")  # the host map is loaded once per process

    # 8, and the coordination's work queue: the files in instruction, the département's
    # delays, the periods and the APS ending, the next session (tenants/worklists).
    with django_assert_max_num_queries(13 + REQUEST_SAVEPOINT):
        assert client.get("/").status_code == 200


# --- sign-in ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (People.email("coordinator", "31"), "pas le bon mot de passe"),
        ("inconnu@exemple.fr", PASSWORD),
    ],
    ids=["wrong-password", "unknown-account"],
)
@pytest.mark.parametrize("host", ["localhost", "31.localhost"])
def test_refused_sign_in_says_the_same_and_keeps_the_email(
    host: str, email: str, password: str
) -> None:
    client = Client(HTTP_HOST=host)

    response = client.post("/connexion/", {"email": email, "password": password})

    assert response.status_code == 200
    html = response.content.decode()
    assert INVALID_LOGIN in html
    assert f'value="{email}"' in html
    assert password not in html
    assert "_auth_user_id" not in client.session


def test_empty_sign_in_form_asks_for_the_email() -> None:
    # What a browser sends for an empty form: the fields, empty.
    response = Client(HTTP_HOST="localhost").post(
        "/connexion/", {"email": "", "password": "", "next": "/"}
    )
    html = response.content.decode()

    assert "Indiquez votre adresse électronique." in html
    assert "Indiquez votre mot de passe." in html
    assert INVALID_LOGIN not in html


def _sign_in(client: Client, email: str) -> str:
    response = sign_in(client, email)
    assert response.status_code == 302
    return response["Location"]


def _handoff_url(national: Client, code: str) -> str:
    """The national host sends the person to the département's host with a one-use token."""
    response = national.get(f"/espaces/aller/{code}/")
    assert response.status_code == 302
    return response["Location"]


def _arrive(url: str) -> tuple[Client, object]:
    """A browser keeps cookies per host: a fresh client stands for the département's host.
    The page asks first; the person confirms with the token the page carries."""
    parts = urlsplit(url)
    client = Client(HTTP_HOST=parts.hostname, enforce_csrf_checks=True)
    asked = client.get(f"{parts.path}?{parts.query}")
    if asked.status_code != 200:
        return client, asked
    token = dict(pair.split("=", 1) for pair in parts.query.split("&"))["jeton"]
    csrf = client.cookies["csrftoken"].value
    return client, client.post(parts.path, {"jeton": unquote(token), "csrfmiddlewaretoken": csrf})


def test_arriving_asks_before_signing_anyone_in() -> None:
    national = Client(HTTP_HOST="localhost")
    _sign_in(national, People.email("coordinator", "31"))
    parts = urlsplit(_handoff_url(national, "31"))
    browser = Client(HTTP_HOST="31.localhost")

    asked = browser.get(f"{parts.path}?{parts.query}")

    assert asked.status_code == 200
    assert People.email("coordinator", "31") in asked.content.decode()
    assert browser.get("/").status_code == 302  # still signed out: nothing happened yet


def test_a_link_of_another_account_never_replaces_the_session_of_this_browser() -> None:
    """Login CSRF: a link minted by someone else, opened where another person is signed in."""
    attacker = Client(HTTP_HOST="localhost")
    _sign_in(attacker, People.email("coordinator", "31"))
    parts = urlsplit(_handoff_url(attacker, "31"))
    victim = Client(HTTP_HOST="31.localhost")
    _sign_in(victim, People.email("prefet", "31"))

    opened = victim.get(f"{parts.path}?{parts.query}")
    token = unquote(dict(p.split("=", 1) for p in parts.query.split("&"))["jeton"])
    posted = victim.post(parts.path, {"jeton": token})

    assert opened.status_code == posted.status_code == 409
    from django.contrib.auth import get_user

    assert get_user(victim).email == People.email("prefet", "31")


def test_sign_in_on_the_national_host_carries_over_to_the_departement_host() -> None:
    national = Client(HTTP_HOST="localhost")

    landing = _sign_in(national, People.email("coordinator", "31").upper())

    assert landing == "/espaces/aller/31/"  # the person's only space
    target = _handoff_url(national, "31")
    assert target.startswith("http://31.localhost/espaces/entrer/?jeton=")
    assert national.cookies["sessionid"]["domain"] == ""  # a host-only cookie
    tenant, entered = _arrive(target)
    assert (entered.status_code, entered["Location"]) == (302, "/")
    home = tenant.get("/")
    assert home.status_code == 200
    assert 'data-testid="people-count">5<' in home.content.decode()


def test_handoff_token_is_single_use_and_for_one_host() -> None:
    national = Client(HTTP_HOST="localhost")
    _sign_in(national, People.email("coordinator", "31"))
    target = _handoff_url(national, "31")

    _, first = _arrive(target)
    _, replayed = _arrive(target)
    _, elsewhere = _arrive(_handoff_url(national, "31").replace("31.localhost", "75.localhost"))

    assert first["Location"] == "/"
    assert replayed["Location"] == "/connexion/"
    assert elsewhere["Location"] == "/connexion/"


@pytest.mark.parametrize("code", ["evil.example%23", "evil.example%3F", "x%40evil.example%23"])
def test_space_switch_never_leaves_the_platform(login, code: str) -> None:
    response = login("coordinator", "31", on=None).get(f"/espaces/aller/{code}/")

    if response.status_code == 302:
        assert urlsplit(response["Location"]).hostname.endswith(".localhost")
    else:
        assert response.status_code == 404


def test_no_handoff_is_offered_towards_a_space_without_a_role() -> None:
    national = Client(HTTP_HOST="localhost")
    _sign_in(national, People.email("coordinator", "75"))

    assert national.get("/espaces/aller/31/").status_code == 404


def test_a_signed_in_person_without_a_role_here_gets_access_denied_not_a_loop(login) -> None:  # type: ignore[no-untyped-def]
    home = login("coordinator", "75", on="31").get("/")

    assert home.status_code == 403
    assert "Accès refusé" in home.content.decode()


def test_sign_in_follows_a_local_next_only() -> None:
    client = Client(HTTP_HOST="localhost")
    credentials = {"email": People.email("national_operator", None), "password": PASSWORD}

    local = sign_in(client, credentials["email"], next="/referentiel/")
    foreign = sign_in(
        Client(HTTP_HOST="localhost"), credentials["email"], next="https://evil.example/"
    )

    assert local["Location"] == "/referentiel/"
    assert foreign["Location"] == "/"


@pytest.mark.parametrize(
    ("role", "code"),
    [("coordinator", "75"), ("association_worker", "13"), ("national_operator", None)],
)
def test_person_without_a_role_here_gets_an_access_denied_page(
    login, role: str, code: str | None
) -> None:
    response = login(role, code, on="31").get("/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "Accès refusé" in html
    assert "Haute-Garonne" in html


def test_person_without_any_membership_gets_an_access_denied_page() -> None:
    client = Client(HTTP_HOST="31.localhost")
    client.force_login(User.objects.get(email="nobody@test.parcours"))

    response = client.get("/", follow=True)

    assert response.redirect_chain == []
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


def test_anonymous_visitor_is_sent_to_sign_in() -> None:
    response = Client(HTTP_HOST="31.localhost").get("/")

    assert response.status_code == 302
    assert response["Location"] == "/connexion/?next=/"


def test_spaces_page_lists_every_space_of_the_person() -> None:
    person = User.objects.create_user(email="deux.espaces@test.parcours", password=None)
    for code, role in (("31", Role.MEMBER), ("13", Role.COORDINATOR)):
        membership_grant(
            user=person, role=role, tenant=Tenant.objects.get(code=code), actor_id=None
        )
    client = Client(HTTP_HOST="localhost")
    client.force_login(person)

    html = client.get("/espaces/").content.decode()

    assert 'href="/espaces/aller/31/">Haute-Garonne</a>' in html
    assert 'href="/espaces/aller/13/">Bouches-du-Rhône</a>' in html
    assert "Membre de la commission" in html and "Coordination (DDFE)" in html
    assert "Paris" not in html
    assert "Changer d'espace" in html


def test_spaces_page_of_a_person_without_membership_says_so() -> None:
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(email="nobody@test.parcours"))

    html = client.get("/espaces/").content.decode()

    assert "Votre compte n'est rattaché à aucun espace." in html


# --- reference data -----------------------------------------------------------------------

VALID_PARAMETER = {
    "key": "afis_monthly_amount",
    "territory": "",
    "value": "350.00",
    "effective_from": "2026-04-01",
    "source": "Décret de revalorisation (test)",
    "confidence": "C",
}


def test_invalid_legal_parameter_form_is_400_and_keeps_what_was_typed(login) -> None:
    count = LegalParameter.objects.count()
    typed = {**VALID_PARAMETER, "territory": "976", "value": "trois cents", "effective_from": ""}

    response = login("national_operator", None).post("/referentiel/", typed)

    assert response.status_code == 400
    html = html_lib.unescape(response.content.decode())
    assert "Saisissez un nombre." in html
    assert "Indiquez la date d'effet." in html
    assert 'value="trois cents"' in html
    assert 'value="976"' in html
    assert 'value="Décret de revalorisation (test)"' in html
    assert '<option value="afis_monthly_amount" selected>' in html
    assert LegalParameter.objects.count() == count


def test_duplicate_date_in_the_form_is_400_with_the_service_message(login) -> None:
    response = login("national_operator", None).post(
        "/referentiel/", {**VALID_PARAMETER, "effective_from": "2022-07-01"}
    )

    assert response.status_code == 400
    assert "Une valeur existe déjà à cette date d'effet pour ce paramètre." in html_lib.unescape(
        response.content.decode()
    )


def test_valid_legal_parameter_form_adds_a_row(login) -> None:
    response = login("national_operator", None).post("/referentiel/", VALID_PARAMETER, follow=True)

    assert response.redirect_chain == [("/referentiel/", 302)]
    assert "La nouvelle valeur a été enregistrée." in response.content.decode()
    row = LegalParameter.objects.get(key="afis_monthly_amount", effective_from="2026-04-01")
    assert (str(row.value), row.territory, row.unit) == ("350.00", "", "EUR")


def test_referentiel_page_shows_who_changed_what(login) -> None:
    operator = User.objects.get(email=People.email("national_operator", None))
    login("national_operator", None).post("/referentiel/", VALID_PARAMETER)

    html = html_lib.unescape(login("national_analyst", None).get("/referentiel/").content.decode())

    history = html.split('<table id="historique">', 1)[1]
    assert "referentiel.legal_parameter_added" in history
    assert operator.display_name in history
    assert "350.00" in history


def _add_value(role: str, day: int) -> None:
    legal_parameter_add(
        key="afis_monthly_amount",
        value=Decimal("350.00") + day,
        effective_from=dt.date(2026, 4, day),
        source="test",
        confidence="C",
        actor_id=User.objects.get(email=People.email(role, None)).pk,
    )


def test_referentiel_page_costs_a_constant_number_of_queries(
    login, django_assert_max_num_queries, django_assert_num_queries
) -> None:
    client = login("national_analyst", None)
    _add_value("national_operator", 1)
    connection.set_schema_to_public()
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as one_edit:
        client.get("/referentiel/")

    # More values, edited by more people: the same queries.
    _add_value("national_operator", 2)
    _add_value("national_analyst", 3)
    connection.set_schema_to_public()
    with django_assert_num_queries(len(one_edit)):
        assert client.get("/referentiel/").status_code == 200


def test_analyst_reads_the_referentiel_but_cannot_post(login) -> None:
    client = login("national_analyst", None)

    page = client.get("/referentiel/")
    post = client.post("/referentiel/", VALID_PARAMETER)

    assert page.status_code == 200
    assert "Ajouter une valeur datée" not in page.content.decode()
    assert post.status_code == 403
    assert not LegalParameter.objects.filter(effective_from="2026-04-01").exists()


def test_nomenclature_item_with_an_empty_label_is_400(login) -> None:
    item = NomenclatureItem.objects.get(kind="need_domain", code="sante")

    response = login("national_operator", None).post(
        f"/referentiel/nomenclatures/{item.pk}/", {"label": "", "is_active": "on"}
    )

    assert response.status_code == 400
    assert "Le libellé est obligatoire." in response.content.decode()
    item.refresh_from_db()
    assert item.label == "Santé"


def test_nomenclature_item_edit_saves_and_redirects(login) -> None:
    item = NomenclatureItem.objects.get(kind="need_domain", code="sante")

    response = login("national_operator", None).post(
        f"/referentiel/nomenclatures/{item.pk}/", {"label": "Santé et soins"}
    )

    assert (response.status_code, response["Location"]) == (302, "/referentiel/")
    item.refresh_from_db()
    assert (item.label, item.is_active) == ("Santé et soins", False)


# --- hosts --------------------------------------------------------------------------------


def test_unknown_host_gets_an_unknown_address_page() -> None:
    response = Client(HTTP_HOST="99.localhost").get("/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Adresse inconnue" in html
    assert "99.localhost" in html


def test_suspended_departement_gets_a_suspended_page(login) -> None:
    Tenant.objects.filter(code="31").update(status=TenantStatus.SUSPENDED)
    forget_hosts()

    response = login("coordinator", "31").get("/")

    assert response.status_code == 404
    assert "Espace suspendu" in response.content.decode()


def test_unknown_page_gets_the_french_404_page(login) -> None:
    response = login("coordinator", "31").get("/nexiste-pas/")

    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_a_session_cookie_of_one_host_opens_nothing_on_another() -> None:
    """Only the browser's cookie scope stopped it before: the server binds a session to its host."""
    on31 = Client(HTTP_HOST="31.localhost")
    _sign_in(on31, People.email("association_worker", "31"))
    cookie = on31.cookies["sessionid"].value
    on13 = Client(HTTP_HOST="13.localhost")
    on13.cookies["sessionid"] = cookie

    stolen = on13.get("/")

    assert stolen.status_code == 302 and "/connexion/" in stolen["Location"]
    # Presented on the wrong host, the session is ended for everyone.
    assert on31.get("/").status_code == 302
