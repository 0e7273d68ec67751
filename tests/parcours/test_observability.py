"""parcours/observability.py: request ids, and Sentry events that never carry personal data.

This module is also the test-only URL conf of a view that fails while handling a person's data.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sentry_sdk
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from sentry_sdk.transport import Transport

import parcours.observability
from parcours.accounts.models import User
from parcours.observability import init_sentry, scrub_event
from tests.conftest import People

# What a person typed: none of it may reach Sentry.
NAME = "Zénobie Quartzeline"
EMAIL = "zenobie.quartzeline@exemple.fr"
NOTES = "Hébergée chez sa cousine rue des Lilas"
QUERY_SECRET = "recherche-quartzeline"


@csrf_exempt
def failing_view(request: HttpRequest) -> HttpResponse:
    nom = request.POST["nom"]
    email = request.POST["email"]
    notes = request.POST["notes"]  # noqa: F841 (read like a real form would)
    raise ValueError(f"Impossible de traiter {nom} {email}")


urlpatterns = [path("echec/", failing_view)]


class CapturingTransport(Transport):
    """Keeps every envelope item's payload instead of sending it."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.payloads: list[Any] = []

    def capture_envelope(self, envelope: Any) -> None:
        for item in envelope.items:
            payload = item.payload.json
            self.payloads.append(
                payload if payload is not None else item.payload.get_bytes().decode()
            )

    def events(self) -> list[dict[str, Any]]:
        return [p for p in self.payloads if isinstance(p, dict) and "exception" in p]


@pytest.fixture
def sentry(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[CapturingTransport, list[dict[str, Any]]]]:
    """Sentry started as in production (init_sentry), sending to memory; reset afterwards.

    The second value collects the raw events before scrubbing, to show they held the data.
    """
    raw: list[dict[str, Any]] = []

    def spy(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
        raw.append(copy.deepcopy(event))
        return scrub_event(event, hint)

    monkeypatch.setattr(parcours.observability, "scrub_event", spy)
    transport = CapturingTransport()
    init_sentry(dsn="", environment="test", transport=transport)
    try:
        yield transport, raw
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)  # back to no client, as without a DSN
    assert not sentry_sdk.get_client().is_active()


def _through_test_client(session_user: User) -> tuple[int, str]:
    client = Client(HTTP_HOST="31.localhost", raise_request_exception=False)
    client.force_login(session_user)
    response = client.post(
        f"/echec/?q={QUERY_SECRET}", {"nom": NAME, "email": EMAIL, "notes": NOTES}
    )
    return response.status_code, client.cookies["sessionid"].value


def _through_wsgi(session_user: User) -> tuple[int, str]:
    """The production entry point (Sentry hooks WSGIHandler), with the same request."""
    client = Client()
    client.force_login(session_user)
    session = client.cookies["sessionid"].value
    request = RequestFactory().post(
        f"/echec/?q={QUERY_SECRET}",
        {"nom": NAME, "email": EMAIL, "notes": NOTES},
        HTTP_HOST="31.localhost",
        HTTP_COOKIE=f"sessionid={session}",
    )
    statuses: list[str] = []
    # As Django's test client does: keep the test's transaction (and connection) open.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(
            request.environ, lambda status, headers, *_: statuses.append(status)
        )
        response.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return int(statuses[0].split()[0]), session


DRIVERS: dict[str, Callable[[User], tuple[int, str]]] = {
    "test-client": _through_test_client,
    "wsgi-handler": _through_wsgi,
}


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize("driver", DRIVERS)
def test_error_event_carries_no_personal_data(sentry, driver: str) -> None:
    transport, raw = sentry
    user = User.objects.get(email=People.email("coordinator", "31"))

    status, session = DRIVERS[driver](user)
    sentry_sdk.flush()

    assert status == 500
    [event] = transport.events()
    sent = json.dumps(transport.payloads, default=str, ensure_ascii=False)
    for secret in (
        NAME,
        "Zénobie",
        "Quartzeline".lower(),
        EMAIL,
        NOTES,
        "Lilas",
        QUERY_SECRET,
        session,
        user.email,
        "sessionid",
    ):
        assert secret.lower() not in sent.lower(), secret
    assert [value["type"] for value in event["exception"]["values"]] == ["ValueError"]
    frames = event["exception"]["values"][0]["stacktrace"]["frames"]
    assert frames[-1]["function"] == "failing_view"
    assert all("vars" not in frame for frame in frames)
    # Not vacuous: before scrubbing, the event did hold what the person typed.
    assert NAME in json.dumps(raw, default=str, ensure_ascii=False)


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
@override_settings(ROOT_URLCONF=__name__)
def test_error_event_keeps_the_route_to_locate_the_bug(sentry) -> None:
    transport, _ = sentry
    _through_wsgi(User.objects.get(email=People.email("coordinator", "31")))
    sentry_sdk.flush()

    [event] = transport.events()
    assert event["request"] == {"method": "POST", "url": "http://31.localhost/echec/"}
    assert event["transaction"] == "/echec/"
    assert event["environment"] == "test"


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
@override_settings(ROOT_URLCONF=__name__)
def test_error_event_names_the_tenant_schema(sentry) -> None:
    transport, _ = sentry
    _through_wsgi(User.objects.get(email=People.email("coordinator", "31")))
    sentry_sdk.flush()

    [event] = transport.events()
    assert "dep_31" in json.dumps(event.get("tags"))


def test_sentry_stays_off_without_a_dsn() -> None:
    init_sentry(dsn="", environment="test")

    assert not sentry_sdk.get_client().is_active()


# --- scrub_event on a hand-made event -----------------------------------------------------


def _event() -> dict[str, Any]:
    frame = {"function": "view", "lineno": 3, "vars": {"nom": NAME, "email": EMAIL}}
    return {
        "level": "error",
        "server_name": "web-7.interne",
        "request": {
            "method": "POST",
            "url": "https://31.parcours.example/personnes/42/",
            "query_string": f"q={QUERY_SECRET}",
            "data": {"nom": NAME, "notes": NOTES},
            "cookies": {"sessionid": "cookie-de-session-secret"},
            "headers": {
                "Cookie": "sessionid=cookie-de-session-secret",
                "X-Forwarded-For": "203.0.113.9",
            },
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "user": {"id": "7", "email": EMAIL, "ip_address": "203.0.113.9"},
        "exception": {
            "values": [
                {
                    "type": "KeyError",
                    "value": f"'{EMAIL}'",
                    "stacktrace": {"frames": [dict(frame)]},
                },
                {
                    "type": "ValueError",
                    "value": f"Impossible de traiter {NAME}",
                    "stacktrace": {"frames": [dict(frame)]},
                },
            ]
        },
        "threads": {"values": [{"stacktrace": {"frames": [dict(frame)]}}]},
        "logentry": {"message": "Échec pour %s", "params": [NAME]},
        "message": f"Échec pour {NAME}",
        "breadcrumbs": {
            "values": [
                {
                    "category": "query",
                    "message": f"SELECT … WHERE email = '{EMAIL}'",
                    "data": {"params": [EMAIL]},
                },
                {"category": "http", "type": "http", "data": {"url": f"/?q={QUERY_SECRET}"}},
            ]
        },
        "extra": {"notes": NOTES, "sys.argv": ["manage.py"]},
        "contexts": {
            "response": {"status_code": 500, "data": NOTES},
            "runtime": {"name": "CPython"},
        },
        "transaction": "/personnes/<int:pk>/",
    }


def test_scrub_removes_everything_a_person_could_be_found_in() -> None:
    scrubbed = scrub_event(_event())

    text = json.dumps(scrubbed, ensure_ascii=False)
    for secret in (
        NAME,
        EMAIL,
        NOTES,
        QUERY_SECRET,
        "cookie-de-session-secret",
        "203.0.113.9",
        "web-7",
    ):
        assert secret not in text, secret


def test_scrub_keeps_what_locates_the_bug() -> None:
    scrubbed = scrub_event(_event())

    assert scrubbed["request"] == {
        "method": "POST",
        "url": "https://31.parcours.example/personnes/42/",
    }
    assert [v["type"] for v in scrubbed["exception"]["values"]] == ["KeyError", "ValueError"]
    assert all(v["value"] == "[redacted]" for v in scrubbed["exception"]["values"])
    assert scrubbed["exception"]["values"][0]["stacktrace"]["frames"] == [
        {"function": "view", "lineno": 3}
    ]
    assert scrubbed["threads"]["values"][0]["stacktrace"]["frames"] == [
        {"function": "view", "lineno": 3}
    ]
    assert [c["category"] for c in scrubbed["breadcrumbs"]["values"]] == ["query", "http"]
    assert all("data" not in c for c in scrubbed["breadcrumbs"]["values"])
    assert scrubbed["logentry"] == {"message": "[redacted]"}
    assert scrubbed["message"] == "[redacted]"
    assert scrubbed["extra"] == {}
    assert scrubbed["contexts"] == {"runtime": {"name": "CPython"}}
    assert scrubbed["transaction"] == "/personnes/<int:pk>/"
    assert "user" not in scrubbed and "server_name" not in scrubbed


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"exception": None, "breadcrumbs": None, "threads": None},
        {"exception": {"values": [{"type": "E", "value": ""}]}},
        {"breadcrumbs": {"values": []}, "extra": None, "contexts": None},
        {"exception": {"values": [{"type": "E", "stacktrace": None}]}},
    ],
    ids=["empty", "nulls", "no-message", "empty-crumbs", "no-stacktrace"],
)
def test_scrub_accepts_sparse_events(event: dict[str, Any]) -> None:
    assert isinstance(scrub_event(copy.deepcopy(event)), dict)


# --- request ids --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
@pytest.mark.parametrize("host", ["localhost", "31.localhost"])
def test_every_answer_carries_a_request_id(host: str) -> None:
    response = Client(HTTP_HOST=host).get("/connexion/")

    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
def test_unknown_host_answer_carries_a_request_id() -> None:
    response = Client(HTTP_HOST="99.localhost").get("/connexion/")

    assert response.status_code == 404
    assert len(response.get("X-Request-ID", "")) == 32


def test_request_id_is_unset_outside_a_request() -> None:
    assert parcours.observability.current_request_id() == ""
