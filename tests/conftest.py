"""Shared fixtures: a test database with three provisioned départements and one person per role.

The base data is created once per test database (each xdist worker has its own) and committed;
every test then runs in a transaction that is rolled back. Transactional tests (browser, real
worker) truncate the public tables when they end, so `base` rebuilds what is missing.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

# The test OpenID provider (a second process) and Parcours pointed at it, for the ProConnect tests.
from tests.oidc_provider.fixture import oidc_provider, proconnect_on  # noqa: F401

ORIGINAL_PASSWORD_HASHERS = list(settings.PASSWORD_HASHERS)
PASSWORD = "correct horse battery staple"
TEST_CODES = ("31", "75", "13")


@dataclass(frozen=True)
class People:
    """Emails of the base people; `as_role(role, code)` gives a logged-in client."""

    @staticmethod
    def email(role: str, code: str | None) -> str:
        return f"{role}.{code or 'national'}@test.parcours"


def _build_base() -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_tenants.utils import schema_context

    from parcours.accounts.mfa import MFA_ROLES
    from parcours.accounts.models import Role, User
    from parcours.accounts.services import membership_grant
    from parcours.associations.models import Association
    from parcours.departements.models import Tenant
    from parcours.departements.provisioning import tenant_provision
    from parcours.departements.roles import schema_drop
    from parcours.referentiel.models import Departement
    from parcours.referentiel.services import referentiel_load
    from parcours.workflows.services import workflow_templates_load
    from tenants.agrements.models import Agrement, AgrementStatus

    connection.set_schema_to_public()
    referentiel_load()
    workflow_templates_load()
    known = set(Tenant.objects.values_list("schema_name", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'dep\\_%%'")
        orphans = [row[0] for row in cursor.fetchall() if row[0] not in known]
    for schema in orphans:  # left by a transactional test's truncation: test database only
        schema_drop(schema_name=schema)
    tenants = {code: tenant_provision(code=code).tenant for code in TEST_CODES}
    association_a, _ = Association.objects.get_or_create(
        rna="W313000099",
        defaults={
            "name": "Association A",
            "head_office_departement": Departement.objects.get(code="31"),
            "declared_on": dt.date(2010, 1, 1),
        },
    )
    association_b, _ = Association.objects.get_or_create(
        rna="W753000099",
        defaults={
            "name": "Association B",
            "head_office_departement": Departement.objects.get(code="75"),
            "declared_on": dt.date(2011, 1, 1),
        },
    )
    today = timezone.localdate()
    for code, associations in {
        "31": [association_a, association_b],
        "75": [association_b],
        "13": [association_a],
    }.items():
        with schema_context(tenants[code].schema_name):
            for association in associations:
                Agrement.objects.get_or_create(
                    association=association,
                    defaults={
                        "status": AgrementStatus.APPROVED,
                        "requested_on": today - relativedelta(months=6),
                        "valid_from": today - relativedelta(months=2),
                        "valid_until": today + relativedelta(years=2),
                    },
                )

    def person(role: Role, code: str | None, association: Association | None = None) -> None:
        email = People.email(role.value, code)
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, password=PASSWORD, first_name=role.label, last_name=code or "national"
        )
        if role in MFA_ROLES:
            # A real authenticator application's key: sign-ins give its real codes.
            TOTPDevice.objects.get_or_create(
                user=user, confirmed=True, defaults={"name": "Téléphone de test"}
            )
        membership_grant(
            user=user,
            role=role,
            tenant=tenants[code] if code else None,
            association=association,
            actor_id=None,
        )

    person(Role.NATIONAL_OPERATOR, None)
    person(Role.NATIONAL_ANALYST, None)
    for code in TEST_CODES:
        for role in (Role.PREFET, Role.COORDINATOR, Role.MEMBER, Role.DPO):
            person(role, code)
        person(Role.ASSOCIATION_WORKER, code, association_a if code != "75" else association_b)
    User.objects.get_or_create(email="nobody@test.parcours")


def _base_is_complete() -> bool:
    from parcours.accounts.models import Membership
    from parcours.departements.models import Tenant

    connection.set_schema_to_public()
    return (
        Tenant.objects.filter(code__in=TEST_CODES).count() == len(TEST_CODES)
        and Membership.objects.exists()
    )


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> None:
    # Argon2 is the production hasher (tested in test_settings); tests hash hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Every test Client builds its middleware; without autorefresh WhiteNoise would index the
    # ~3,300 DSFR static files each time (0.3-0.7 s per client).
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        _build_base()
        _roles_up_to_date()


def _roles_up_to_date() -> None:
    """A reused test database gets the grants of today's departements/roles.py, as
    `migrate_schemas` gives them to a deployed one."""
    from parcours.departements.models import Tenant
    from parcours.departements.roles import roles_sync

    roles_sync(schema_names=list(Tenant.objects.values_list("schema_name", flat=True)))


@pytest.fixture(autouse=True)
def _no_sign_in_throttle_across_tests(settings) -> None:  # type: ignore[no-untyped-def]
    """Failures counted by one test must not lock another test's sign-in with a demo account.

    The counters live in a cache that outlives a test (and, with Redis, is shared by the
    workers): tests of the throttle set the limit themselves, with identifiers of their own.
    """
    settings.LOGIN_FAILURE_LIMIT = 10_000
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 10_000


@pytest.fixture(autouse=True)
def _cache_of_its_own(settings) -> None:  # type: ignore[no-untyped-def]
    """Each test reads and writes cache keys under a prefix of its own.

    With Redis, every xdist worker shares one cache database: a `cache.clear()` (FLUSHDB) or a
    counter left by one test would reach tests running beside it. A fresh prefix per test makes
    throttles and single-use tokens start empty without clearing anything shared.
    """
    prefix = f"t{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        alias: {**conf, "KEY_PREFIX": f"{conf.get('KEY_PREFIX', '')}{prefix}"}
        for alias, conf in settings.CACHES.items()
    }


@pytest.fixture(autouse=True)
def _fresh_routing() -> Iterator[None]:
    from parcours.departements.routing import forget_hosts

    forget_hosts()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def base(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:
    """The base data, rebuilt if a transactional test truncated it."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        if not _base_is_complete():
            _build_base()


@pytest.fixture
def committed(transactional_db: None, base: None) -> Iterator[None]:
    """For tests whose data must be committed (a real worker, a live server).

    Django's flush afterwards cannot truncate public tables that tenant tables reference, so the
    département schemas are dropped first; `base` rebuilds them for the next test.
    """
    yield
    connection.set_schema_to_public()
    from parcours.departements.roles import schema_drop

    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'dep\\_%%'")
        schemas = [row[0] for row in cursor.fetchall()]
    for schema in schemas:  # and their roles: roles outlive a database, not a schema
        schema_drop(schema_name=schema)
    from tenants.casework.crypto import forget_keys

    forget_keys()


@pytest.fixture
def tenant31(db: None, base: None):  # type: ignore[no-untyped-def]
    from parcours.departements.models import Tenant

    return Tenant.objects.get(code="31")


@pytest.fixture
def tenant75(db: None, base: None):  # type: ignore[no-untyped-def]
    from parcours.departements.models import Tenant

    return Tenant.objects.get(code="75")


def host(code: str | None) -> str:
    return settings.BASE_DOMAIN if code is None else f"{code.lower()}.{settings.BASE_DOMAIN}"


def client_for(role: str | None, code: str | None, *, on: str | None = "same") -> Client:
    """A client logged in as the base person holding `role` in `code`, talking to host `on`."""
    target = code if on == "same" else on
    client = Client(HTTP_HOST=host(target))
    if role is not None:
        from parcours.accounts.models import User

        user = User.objects.get(email=People.email(role, code))
        client.force_login(user)
        second_factor_give(client, user=user)
    return client


def second_factor_give(client: Client, *, user: Any) -> None:
    """Complete the client's sign-in as the second-factor step does: the session records the
    method (accounts.mfa.second_factor_mark) for an account that has a device. A password-only
    session is what a test gets by calling `force_login` itself."""
    from parcours.accounts.mfa import has_device, second_factor_mark

    if not has_device(user=user):
        return
    session = client.session
    second_factor_mark(SimpleNamespace(session=session), method="totp")
    session.save()


def totp_code(user: Any) -> str:
    """The code the person's authenticator application shows now (a real TOTP, RFC 6238).

    django-otp refuses a time step already used; within one test a person may sign in twice
    in the same 30 seconds, so the next step its tolerance accepts is used, and only when none
    is left does this wait for the clock (never in a timed assertion).
    """
    from django_otp.oath import hotp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    while True:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
        assert device is not None, f"{user} has no authenticator application"
        now = (int(time.time()) - device.t0) // device.step + device.drift
        for step in (now, now + 1, now - 1):
            if step > device.last_t and abs(step - now) <= device.tolerance:
                return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"
        time.sleep(device.step - time.time() % device.step + 0.1)


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra: str) -> Any:
    """The sign-in form, then the second-factor step with a real code when it is asked for;
    returns the last response (a redirect where the sign-in leads)."""
    from parcours.accounts.models import User

    response = client.post("/connexion/", {"email": email, "password": password, **extra})
    location = response.get("Location", "")
    if response.status_code == 302 and location.startswith("/connexion/second-facteur/?"):
        user = User.objects.get(email=email.lower())
        response = client.post(location, {"code": totp_code(user)})
    return response


def api_token_for(user: Any) -> str:
    """An API token obtained as a client does: with a real code of the person's device."""
    from parcours.accounts.mfa import has_device, second_factor_verify
    from parcours.accounts.services import api_token_issue

    method = second_factor_verify(user=user, code=totp_code(user)) if has_device(user=user) else ""
    return api_token_issue(user=user, second_factor=method)[1]


@pytest.fixture
def login(db: None, base: None):  # type: ignore[no-untyped-def]
    """`login("coordinator", "31")` → a client signed in and talking to 31's host."""
    return client_for


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("CI") and not os.path.exists("/usr/bin/chromium"):
        raise pytest.UsageError("CI needs /usr/bin/chromium for the browser tests (make browser)")
    # A transactional test is flushed afterwards, and the flush cannot truncate public tables
    # that département schemas reference: without `committed` it fails at teardown, in
    # whichever order pytest-randomly happened to put it after a test that built the base.
    for item in items:
        marker = item.get_closest_marker("django_db")
        fixtures = getattr(item, "fixturenames", [])
        transactional = (marker is not None and marker.kwargs.get("transaction")) or (
            "transactional_db" in fixtures or "live_server" in fixtures
        )
        if transactional and "committed" not in fixtures:
            raise pytest.UsageError(f"{item.nodeid} is transactional: it must use `committed`")
