"""The second factor (accounts/mfa.py): a password alone reads nothing, enrolment at first
sign-in, verification, single-use recovery codes, the operator's audited reset, API tokens."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from parcours.accounts.mfa import SESSION_KEY, has_device, recovery_digest, second_factor_verify
from parcours.accounts.models import ApiToken, Role, User
from parcours.accounts.services import membership_grant
from parcours.audit.models import AuditEvent
from parcours.departements.models import Tenant
from tests.conftest import PASSWORD, People, client_for, sign_in, totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]

TOKEN = "/api/v1/auth/token/"
# Each role that reads identities, where it does, with a page and an endpoint it may use.
MFA_ROLES = [
    ("coordinator", "31", "/", "/api/v1/persons/"),
    ("prefet", "31", "/", "/api/v1/departement/"),
    ("association_worker", "31", "/", "/api/v1/persons/"),
    ("dpo", "31", "/", "/api/v1/departement/"),
    ("national_operator", None, "/", "/api/v1/departements/"),
]


def _host(code: str | None) -> str:
    return "localhost" if code is None else f"{code}.localhost"


def _password_only(role: str, code: str | None) -> Client:
    """A browser that passed the password step and stopped there."""
    client = Client(HTTP_HOST=_host(code))
    response = client.post("/connexion/", {"email": People.email(role, code), "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/second-facteur/")
    return client


def _events(action: str, user: User) -> list[AuditEvent]:
    with schema_context("public"):
        return list(AuditEvent.objects.filter(action=action, object_id=str(user.pk)))


@pytest.mark.parametrize(("role", "code", "page", "endpoint"), MFA_ROLES)
def test_a_password_alone_reads_nothing_on_the_page_or_the_api(
    role: str, code: str | None, page: str, endpoint: str
) -> None:
    # The same person with the second factor reads both: the refusal below is the factor's.
    full = client_for(role, code)
    assert full.get(page).status_code == 200
    assert full.get(endpoint).status_code == 200

    half = _password_only(role, code)
    answer = half.get(page)
    api = half.get(endpoint)

    assert answer.status_code == 302
    assert answer["Location"].startswith("/connexion/second-facteur/")
    assert api.status_code == 403
    assert "Second facteur requis" in api.json()["error"]["message"]


@pytest.mark.parametrize(("role", "code", "page", "endpoint"), MFA_ROLES)
def test_the_verification_step_opens_the_space(
    role: str, code: str | None, page: str, endpoint: str
) -> None:
    client = Client(HTTP_HOST=_host(code))
    response = sign_in(client, People.email(role, code), next=page)

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == "totp"
    assert client.get(endpoint).status_code == 200


def test_a_wrong_code_is_refused_in_french_and_the_device_is_throttled() -> None:
    client = _password_only("coordinator", "31")
    user = User.objects.get(email=People.email("coordinator", "31"))

    wrong = client.post("/connexion/second-facteur/", {"code": "000000"})
    right_too_soon = client.post("/connexion/second-facteur/", {"code": totp_code(user)})

    assert wrong.status_code == 400
    assert "Code incorrect" in wrong.content.decode()
    assert right_too_soon.status_code == 400
    assert "Trop d'essais" in html.unescape(right_too_soon.content.decode())
    assert SESSION_KEY not in client.session


def test_a_totp_code_serves_once() -> None:
    user = User.objects.get(email=People.email("prefet", "31"))
    device = TOTPDevice.objects.get(user=user)
    code = totp_code(user)

    assert second_factor_verify(user=user, code=code) == "totp"
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    with pytest.raises(Exception, match="déjà utilisé"):
        second_factor_verify(user=user, code=code)


def _newcomer(role: Role = Role.COORDINATOR) -> User:
    user = User.objects.create_user(
        f"nouvelle-{uuid.uuid4().hex[:8]}@exemple.fr", PASSWORD, first_name="N", last_name="C"
    )
    membership_grant(user=user, role=role, tenant=Tenant.objects.get(code="31"), actor_id=None)
    return user


def test_first_sign_in_enrols_then_shows_ten_recovery_codes_once() -> None:
    from django_otp.oath import TOTP

    user = _newcomer()
    client = Client(HTTP_HOST="31.localhost")
    response = client.post("/connexion/", {"email": user.email, "password": PASSWORD})
    assert response["Location"].startswith("/connexion/second-facteur/inscription/")
    # Enrolment before its confirmation gives nothing either.
    assert client.get("/").status_code == 302

    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in text  # the QR code, drawn here
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', text)
    assert secret is not None
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert secret.group(1) in device.config_url

    code = f"{TOTP(device.bin_key).token():06d}"
    done = client.post(response["Location"], {"code": code})

    codes = re.findall(r"<li><code>([a-z2-7]{10})</code></li>", done.content.decode())
    assert done.status_code == 200 and len(set(codes)) == 10
    # Stored as keyed digests, never as the codes shown.
    stored = set(StaticDevice.objects.get(user=user).token_set.values_list("token", flat=True))
    assert stored == {recovery_digest(c) for c in codes} and not stored & set(codes)
    assert client.session[SESSION_KEY] == "totp"
    assert client.get("/").status_code == 200
    assert [e.data["method"] for e in _events("mfa.enrolled", user)] == ["totp"]
    # Enrolled: a password-only session is now sent to verification, never to a new device.
    again = Client(HTTP_HOST="31.localhost")
    again.post("/connexion/", {"email": user.email, "password": PASSWORD})
    assert again.get("/connexion/second-facteur/inscription/")["Location"].startswith(
        "/connexion/second-facteur/?"
    )


def test_enrolment_refuses_a_wrong_code_and_stays_unconfirmed() -> None:
    user = _newcomer()
    client = Client(HTTP_HOST="31.localhost")
    client.post("/connexion/", {"email": user.email, "password": PASSWORD})

    response = client.post("/connexion/second-facteur/inscription/", {"code": "123"})

    assert response.status_code == 400
    assert not has_device(user=user)
    assert SESSION_KEY not in client.session


def test_a_recovery_code_signs_in_once_and_its_use_is_audited() -> None:
    user = User.objects.get(email=People.email("dpo", "31"))
    device = StaticDevice.objects.create(user=user, name="Codes de secours")
    device.token_set.create(token=recovery_digest("abcdefghij"))

    first = _password_only("dpo", "31")
    ok = first.post("/connexion/second-facteur/", {"code": "ABCDE FGHIJ"})
    second = _password_only("dpo", "31")
    reused = second.post("/connexion/second-facteur/", {"code": "abcdefghij"})

    assert ok.status_code == 302 and first.session[SESSION_KEY] == "static"
    assert reused.status_code == 400 and SESSION_KEY not in second.session
    [event] = _events("mfa.recovery_code_used", user)
    assert event.data == {"remaining": 0}


def test_the_operator_resets_an_agents_second_factor_and_it_is_audited() -> None:
    agent = User.objects.get(email=People.email("association_worker", "31"))
    token = ApiToken.objects.create(
        user=agent,
        key_digest="x" * 64,
        prefix="x",
        password_digest="",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    operator = client_for("national_operator", None)

    response = operator.post(
        "/comptes/second-facteur/", {"email": agent.email.upper(), "reason": "Téléphone perdu"}
    )

    assert response.status_code == 302
    assert not has_device(user=agent)
    token.refresh_from_db()
    assert token.revoked_at is not None
    [event] = _events("mfa.reset", agent)
    assert event.data == {"reason": "Téléphone perdu", "devices": 1}
    assert event.actor_id == User.objects.get(email=People.email("national_operator", None)).pk
    # The agent enrols again at the next sign-in.
    again = Client(HTTP_HOST="31.localhost")
    response = again.post("/connexion/", {"email": agent.email, "password": PASSWORD})
    assert response["Location"].startswith("/connexion/second-facteur/inscription/")


def test_the_reset_through_the_api_is_for_the_operator_only() -> None:
    agent = People.email("prefet", "75")
    body = {"email": agent, "reason": "Téléphone volé"}

    analyst = client_for("national_analyst", None).post(
        "/api/v1/accounts/mfa-reset/", body, content_type="application/json"
    )
    unknown = client_for("national_operator", None).post(
        "/api/v1/accounts/mfa-reset/",
        {"email": "personne@exemple.fr", "reason": "x"},
        content_type="application/json",
    )
    done = client_for("national_operator", None).post(
        "/api/v1/accounts/mfa-reset/", body, content_type="application/json"
    )

    assert analyst.status_code == 403
    assert unknown.status_code == 404
    assert done.status_code == 200 and done.json() == {"email": agent, "devices_removed": 1}
    assert len(_events("mfa.reset", User.objects.get(email=agent))) == 1


def _token(email: str, **extra: str) -> object:
    return Client(HTTP_HOST="31.localhost").post(
        TOKEN, {"email": email, "password": PASSWORD, **extra}, content_type="application/json"
    )


def test_a_token_is_refused_without_the_second_factor() -> None:
    email = People.email("coordinator", "31")
    user = User.objects.get(email=email)

    missing = _token(email)
    issued = _token(email, otp=totp_code(user))
    wrong = _token(email, otp="000000")

    assert missing.status_code == 403  # type: ignore[attr-defined]
    assert "second facteur" in missing.json()["error"]["message"]  # type: ignore[attr-defined]
    assert wrong.status_code == 400  # type: ignore[attr-defined]
    assert issued.status_code == 200  # type: ignore[attr-defined]
    assert ApiToken.objects.get(user=user).second_factor == "totp"


def test_a_token_asked_from_a_verified_session_needs_no_code() -> None:
    client = client_for("coordinator", "31")

    response = client.post(
        TOKEN,
        {"email": People.email("coordinator", "31"), "password": PASSWORD},
        content_type="application/json",
    )

    assert response.status_code == 200


def test_a_token_issued_without_second_factor_reads_nothing() -> None:
    """Tokens from before second factors: the person must ask for a new one."""
    from parcours.accounts.services import api_token_digest

    user = User.objects.get(email=People.email("coordinator", "31"))
    ApiToken.objects.create(
        user=user,
        key_digest=api_token_digest("ancien-jeton"),
        prefix="ancien-j",
        password_digest=user.get_session_auth_hash(),
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    api = Client(HTTP_HOST="31.localhost", HTTP_AUTHORIZATION="Token ancien-jeton")

    assert api.get("/api/v1/me/").status_code == 200
    assert api.get("/api/v1/persons/").status_code == 403


def test_a_member_without_a_device_signs_in_with_a_password() -> None:
    response = Client(HTTP_HOST="31.localhost").post(
        "/connexion/", {"email": People.email("member", "31"), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "second-facteur" not in response["Location"]


HOSTILE_CODES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", " ", "٣٣٣٣٣٣", "１２３４５６", "a\x00b", "9" * 5_000, "<svg onload=x>"]),
)


@given(code=HOSTILE_CODES)
@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_whatever_is_typed_as_a_code_gets_a_french_refusal_and_no_second_factor(code: str) -> None:
    for path, role in (
        ("/connexion/second-facteur/", "coordinator"),
        ("/connexion/second-facteur/inscription/", None),
    ):
        if role is None:
            user = _newcomer()
            client = Client(HTTP_HOST="31.localhost")
            client.post("/connexion/", {"email": user.email, "password": PASSWORD})
        else:
            client = _password_only(role, "31")
        response = client.post(path, {"code": code})
        assert response.status_code == 400, response.content.decode()[:500]
        assert 'lang="fr"' in response.content.decode()
        assert SESSION_KEY not in client.session


def _carry(national: Client, code: str) -> Client:
    """Follow the switcher from the national host to a département's, as a browser does."""
    go = national.get(f"/espaces/aller/{code}/")
    assert go.status_code == 302
    target = urlsplit(go["Location"])
    browser = Client(HTTP_HOST=f"{code}.localhost")
    entered = browser.post(target.path, {"jeton": parse_qs(target.query)["jeton"][0]})
    assert entered.status_code == 302
    browser.landing = entered["Location"]  # type: ignore[attr-defined]
    return browser


def test_the_second_factor_travels_with_the_handoff() -> None:
    national = Client(HTTP_HOST="localhost")
    sign_in(national, People.email("coordinator", "31"))
    assert national.session[SESSION_KEY] == "totp"

    there = _carry(national, "31")

    assert there.session[SESSION_KEY] == "totp"
    assert there.get("/api/v1/persons/").status_code == 200


def test_a_password_only_sign_in_is_not_completed_by_a_handoff() -> None:
    national = Client(HTTP_HOST="localhost")
    national.post("/connexion/", {"email": People.email("coordinator", "31"), "password": PASSWORD})

    there = _carry(national, "31")

    assert there.landing.startswith("/connexion/second-facteur/")  # type: ignore[attr-defined]
    assert SESSION_KEY not in there.session
    assert there.get("/api/v1/persons/").status_code == 403
    assert there.get("/").status_code == 302


@pytest.mark.parametrize(
    ("role", "code"),
    [("national_analyst", None), ("coordinator", "31"), ("dpo", "13")],
)
def test_only_the_national_operator_opens_the_reset_page(role: str, code: str | None) -> None:
    client = client_for(role, code, on=None)
    agent = People.email("prefet", "31")

    shown = client.get("/comptes/second-facteur/")
    posted = client.post("/comptes/second-facteur/", {"email": agent, "reason": "x"})

    assert shown.status_code == posted.status_code == 403
    assert has_device(user=User.objects.get(email=agent))
    assert client_for("national_operator", None).get("/comptes/second-facteur/").status_code == 200


def test_recovery_codes_stored_in_clear_before_are_digested_by_the_migration() -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("parcours.accounts.migrations.0004_recovery_codes_digested")
    user = User.objects.get(email=People.email("dpo", "31"))
    device = StaticDevice.objects.create(user=user, name="Codes de secours")
    device.token_set.create(token="klmnopqrst")  # as issued before

    migration.digest_codes(apps, None)
    migration.digest_codes(apps, None)  # run twice: a digest is left as it is

    assert list(device.token_set.values_list("token", flat=True)) == [recovery_digest("klmnopqrst")]
    assert second_factor_verify(user=user, code="klmnopqrst") == "static"
