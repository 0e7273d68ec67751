"""Structured logs: one JSON object per line, the request id and the schema, no personal data.

Like the Sentry test beside it, the view fails while handling a person's data, and every line
is also formatted the ordinary way to prove the data did reach the logging calls.

This module is also the test-only URL conf of that view.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from parcours.accounts.models import User
from parcours.observability import ContextFilter, JsonFormatter
from tests.conftest import People

NAME = "Zénobie Quartzeline"
EMAIL = "zenobie.quartzeline@exemple.fr"
QUERY_SECRET = "recherche-quartzeline"

log = logging.getLogger("parcours.tests.logs")


@csrf_exempt
def failing_view(request: HttpRequest) -> HttpResponse:
    nom, email = request.POST["nom"], request.POST["email"]
    log.warning("Could not match %s <%s>", nom, email)
    raise ValueError(f"Impossible de traiter {nom} {email}")


@csrf_exempt
def quiet_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("echec/", failing_view), path("calme/", quiet_view, name="calme")]


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.addFilter(ContextFilter())
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[Capture]:
    handler = Capture()
    root, requests = logging.getLogger(), logging.getLogger("parcours.requests")
    levels = (root.level, requests.level)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    requests.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        requests.setLevel(levels[1])


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
@override_settings(ROOT_URLCONF=__name__)
def test_log_lines_carry_no_personal_data(captured: Capture) -> None:
    user = User.objects.get(email=People.email("coordinator", "31"))
    client = Client(HTTP_HOST="31.localhost", raise_request_exception=False)
    client.force_login(user)

    response = client.post(f"/echec/?q={QUERY_SECRET}", {"nom": NAME, "email": EMAIL})

    assert response.status_code == 500
    written = "\n".join(captured.lines)
    for secret in (NAME, "Zénobie", "quartzeline", EMAIL, QUERY_SECRET, user.email):
        assert secret.lower() not in written.lower(), secret
    # Not vacuous: formatted the ordinary way, the same records did hold what was typed.
    plain = logging.Formatter()
    assert NAME in "\n".join(plain.format(record) for record in captured.records)
    lines = [json.loads(line) for line in captured.lines]
    [error] = [line for line in lines if line.get("exception")]
    assert error["exception"] == "ValueError"
    assert any("in failing_view" in frame for frame in error["stack"])
    assert {line["message"] for line in lines} >= {"Could not match %s <%s>", "request"}


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
@override_settings(ROOT_URLCONF=__name__)
def test_each_request_logs_one_line_with_its_id_route_and_schema(captured: Capture) -> None:
    response = Client(HTTP_HOST="31.localhost").get("/calme/", HTTP_X_REQUEST_ID="a1b2c3d4e5f6")

    assert response["X-Request-ID"] == "a1b2c3d4e5f6"
    [line] = [json.loads(line) for line in captured.lines if '"request"' in line]
    assert line["request_id"] == "a1b2c3d4e5f6"
    assert line["schema"] == "dep_31"
    assert line["departement"] == "31"
    assert (line["route"], line["method"], line["status"]) == ("calme", "GET", 200)
    assert isinstance(line["duration_ms"], float)
    assert "path" not in line and "/calme/" not in json.dumps(line)


def test_a_log_call_cannot_smuggle_a_field_that_is_not_on_the_safe_list() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s %d", (NAME, 42), None)
    record.email = EMAIL
    record.status = 200
    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "hello %s %d"
    assert line["args"] == [42]  # numbers only
    assert "email" not in line and EMAIL not in json.dumps(line)
    assert line["status"] == 200
