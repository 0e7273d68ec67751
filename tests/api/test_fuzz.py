"""Property-based run of the OpenAPI schema: no input makes the API answer 500 or off-schema.

Schemathesis generates requests from each operation of the served schema (valid and invalid
bodies, parameters and ids), sends them to the WSGI application as three roles of a
département (or two national roles on the national host) and checks every answer. The writes
it makes stay inside the test's transaction.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import ignored_auth, negative_data_rejection, positive_data_acceptance

from tests.api.test_schema import _generate

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
TENANT_ROLES = ("coordinator", "association_worker", "prefet", "dpo")
NATIONAL_ROLES = ("national_operator", "national_analyst")

_app = get_wsgi_application()


def _schema(urlconf: str) -> Any:
    raw, _, _ = _generate(urlconf)
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = _app
    return schema


tenant_schema = _schema("routes.tenant")
national_schema = _schema("routes.public")
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """The WSGI handler closes the connection when a request ends; Django's test Client
    disconnects that, and so must we, or the test's transaction would be lost."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


_TOKENS: dict[tuple[str, str | None], str] = {}


def _token(role: str, code: str | None) -> str:
    """One token per person for all the examples of a test: each is obtained with a real code
    of the person's authenticator, and a time step is accepted once (the test's rollback
    forgets the token, so the next test gets a new one)."""
    from parcours.accounts.models import ApiToken, User
    from parcours.accounts.services import api_token_digest
    from tests.conftest import People, api_token_for

    key = _TOKENS.get((role, code))
    if (
        key is None
        or not ApiToken.objects.filter(
            key_digest=api_token_digest(key), revoked_at__isnull=True
        ).exists()
    ):
        key = _TOKENS[(role, code)] = api_token_for(
            User.objects.get(email=People.email(role, code))
        )
    return key


def _check(case: Any, *, host: str, token: str) -> None:
    response = case.call(
        base_url=f"http://{host}",
        headers={"Authorization": f"Token {token}", "Host": host},
    )
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:2000]}"
    )
    # Valid auth is given on purpose (ST401 would expect it refused); a schema-valid request may
    # still break a domain rule (ST202): a refusal with reasons is the right answer; DRF coerces
    # a number sent for a text field into text (ST201), which loses nothing.
    case.validate_response(
        response,
        excluded_checks=[ignored_auth, positive_data_acceptance, negative_data_rejection],
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
@pytest.mark.parametrize("role", TENANT_ROLES)
@tenant_schema.parametrize()
@FUZZ_SETTINGS
def test_departement_api_never_fails_on_generated_input(case: Any, role: str) -> None:
    _check(case, host="31.localhost", token=_token(role, "31"))


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
@pytest.mark.parametrize("role", NATIONAL_ROLES)
@national_schema.parametrize()
@FUZZ_SETTINGS
def test_national_api_never_fails_on_generated_input(case: Any, role: str) -> None:
    _check(case, host="localhost", token=_token(role, None))


# The DPO's own routes (the audit trail, a file's readers): every other route refuses the role
# with a 403, as it refuses the roles above; the DPO is sent to its routes only.
@pytest.mark.django_db
@pytest.mark.usefixtures("base")
@tenant_schema.include(path_regex=r"/audit/|/readers/").parametrize()
@FUZZ_SETTINGS
def test_the_dpo_routes_never_fail_on_generated_input(case: Any) -> None:
    _check(case, host="31.localhost", token=_token("dpo", "31"))
