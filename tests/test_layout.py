"""The layout's promises: `platform/` is a source root that never shadows the stdlib."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_platform_is_the_standard_library() -> None:
    assert hasattr(platform, "python_version")
    assert Path(platform.__file__).parent == Path(sys.modules["os"].__file__).parent


def test_platform_folder_is_not_a_package() -> None:
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_public_and_tenant_apps_follow_the_folders() -> None:
    from django.conf import settings

    # The audit trail is the one app in both lists: it sits below both schemas' code.
    for app in settings.TENANT_APPS:
        assert app.startswith("tenants.") or app == "parcours.audit", app
    for app in settings.SHARED_APPS:
        if app.startswith(("parcours.", "tenants.")):
            assert app.startswith("parcours."), app


def test_production_password_hasher_is_argon2() -> None:
    from tests.conftest import ORIGINAL_PASSWORD_HASHERS

    assert ORIGINAL_PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_models_and_migrations_agree(db: None) -> None:
    from io import StringIO

    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


def test_no_module_reads_the_clock_when_it_is_imported() -> None:
    """A date read at import is stale in a run that crosses midnight in Paris: it once made 21
    tests schedule their sessions "in the past". Read the clock where it is used."""
    import ast

    clock = {"localdate", "localtime", "now", "today"}
    offenders = []
    for folder in ("tests", "platform", "tenants", "api", "frontend"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.parse(path.read_text()).body:
                if not isinstance(node, ast.Assign | ast.AnnAssign):
                    continue
                for call in ast.walk(node):
                    if (
                        isinstance(call, ast.Call)
                        and isinstance(call.func, ast.Attribute)
                        and call.func.attr in clock
                    ):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_no_module_of_the_product_is_over_600_lines() -> None:
    """A module that long holds several responsibilities: split it by responsibility (the
    layers and where each kind of code goes: docs/architecture.md)."""
    long = []
    for folder in ("platform", "tenants", "api", "frontend", "infra", "routes"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            lines = len(path.read_text().splitlines())
            if lines > 600:
                long.append(f"{path.relative_to(ROOT)}: {lines}")
    assert long == []
