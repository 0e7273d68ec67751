"""accounts/checks.py and the security headers: the platform refuses unsafe settings.

With DEBUG off it does not start on the public development key or without a master key; a
production-like configuration passes `check --deploy` with no warning; every answer carries
the headers that keep personal data out of caches and scripts out of pages.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from parcours.accounts.checks import DEV_SECRET_KEY, refuse_unsafe_start, secrets_are_real
from tests.conftest import client_for

ROOT = Path(__file__).resolve().parents[3]
# Fixed (xdist collects the same ids on every worker) but shaped like generated secrets.
REAL_SECRET = "kQ3v9Zp1-Xw7rT2mL5sN8bH4jF6dC0aY_uE3iO9gR1tW5yU7qP2zK4xV6nM8lB0c"
REAL_MASTER = base64.b64encode(bytes(range(7, 39))).decode()


def _ids(settings: Any) -> set[str]:
    return {str(message.id) for message in secrets_are_real()}


@pytest.mark.parametrize(
    ("secret_key", "master_key", "expected"),
    [
        (DEV_SECRET_KEY, "", {"parcours.E001", "parcours.E002"}),
        ("short-but-not-dev", REAL_MASTER, {"parcours.E001"}),
        (REAL_SECRET, "", {"parcours.E002"}),
        (REAL_SECRET, "not base64 !", {"parcours.E002"}),
        (REAL_SECRET, base64.b64encode(b"x" * 32).decode(), {"parcours.E002"}),
        (REAL_SECRET, base64.b64encode(b"k" * 16).decode(), {"parcours.E002"}),
        (REAL_SECRET, REAL_MASTER, set()),
    ],
    ids=[
        "dev",
        "short",
        "no-master",
        "master-not-b64",
        "master-flat",
        "master-16",
        "ok",
    ],
)
def test_with_debug_off_only_real_secrets_pass(
    settings: Any, secret_key: str, master_key: str, expected: set[str]
) -> None:
    settings.DEBUG = False
    settings.SECRET_KEY = secret_key
    settings.PARCOURS_MASTER_KEY = master_key
    assert _ids(settings) == expected


def test_with_debug_on_the_development_key_is_accepted(settings: Any) -> None:
    settings.DEBUG = True
    settings.SECRET_KEY = DEV_SECRET_KEY
    settings.PARCOURS_MASTER_KEY = ""
    assert secrets_are_real() == []


def test_the_wsgi_server_and_the_worker_refuse_to_start_on_unsafe_secrets(settings: Any) -> None:
    settings.DEBUG = False
    settings.SECRET_KEY = DEV_SECRET_KEY
    settings.PARCOURS_MASTER_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="development key"):
        refuse_unsafe_start()


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests of the same worker.
        if k
        not in {
            "SECRET_KEY",
            "PARCOURS_MASTER_KEY",
            "DEBUG",
            "PARCOURS_BASE_DOMAIN",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_manage_py_refuses_to_run_with_debug_off_and_no_secrets() -> None:
    result = _manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "parcours.E001" in result.stderr and "parcours.E002" in result.stderr


def test_production_like_settings_pass_check_deploy_without_any_warning() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=REAL_SECRET,
        PARCOURS_MASTER_KEY=REAL_MASTER,
        PARCOURS_BASE_DOMAIN="parcours.example.fr",
        CACHE_URL="redis://127.0.0.1:6379/9",
        PARCOURS_HOSTING="Ministère de l'Intérieur (DNUM), place Beauvau, 75008 Paris",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
@pytest.mark.parametrize(
    ("role", "code", "path"),
    [
        ("coordinator", "31", "/"),
        ("coordinator", "31", "/dossiers/"),
        ("coordinator", "31", "/api/v1/dossiers/"),
        ("national_operator", None, "/"),
        (None, "31", "/connexion/"),
    ],
)
def test_every_answer_keeps_personal_data_out_of_caches_and_scripts_out_of_pages(
    role: str | None, code: str | None, path: str
) -> None:
    response = client_for(role, code).get(path)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "camera=()" in response["Permissions-Policy"]
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy + ";"
    assert "unsafe-inline" not in policy
    if response["Content-Type"].startswith("text/html"):
        page = response.content.decode()
        # Every script is a file: an inline one would be blocked by the policy.
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
def test_static_files_stay_cacheable() -> None:
    response = client_for(None, "31").get("/static/dsfr/dist/dsfr.min.css")
    assert response.status_code == 200
    assert response.get("Cache-Control") != "no-store"


def test_no_served_page_template_carries_an_inline_style_or_script() -> None:
    """The policy allows neither: such a template would render broken. PDF templates (read by
    WeasyPrint, never served as pages) are the exception."""
    pdf_templates = {
        "casework/decision_letter.html",
        "commission/convocation.html",
        "commission/minutes.html",
        "pilotage/report.html",
        "national/annual_report.html",
        "privacy/access_export.html",
    }
    templates = ROOT / "frontend" / "templates"
    offenders = []
    for path in templates.rglob("*.html"):
        name = str(path.relative_to(templates))
        if name in pdf_templates:
            continue
        text = path.read_text()
        if re.search(r"\sstyle=|<style|<script(?![^>]*\bsrc=)|\son[a-z]+=", text):
            offenders.append(name)
    assert offenders == []
