"""A département exported, then restored into a fresh database, serves identically."""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context

from parcours.audit.selectors import audit_chain_verify
from parcours.departements.models import Tenant
from parcours.departements.routing import forget_hosts
from parcours.operations.archive import (
    ArchiveInvalid,
    SchemaExists,
    departement_export,
    departement_restore,
)
from parcours.operations.postgres import libpq_env, tool
from tests.conftest import client_for
from tests.isolation_objects import build

# Tokens that differ on every answer by construction, not by data.
VOLATILE = re.compile(r'(csrfmiddlewaretoken" value="|csrftoken=|nonce=")[^"; ]+')


def _answers(built_ids: dict[str, int]) -> dict[str, tuple[int, str]]:
    forget_hosts()
    client = client_for("coordinator", "31")
    dossier = built_ids["dossier"]
    paths = [
        "/",
        "/dossiers/",
        f"/dossiers/{dossier}/",
        "/api/v1/departement/",
        "/api/v1/dossiers/",
        f"/api/v1/dossiers/{dossier}/",
        "/api/v1/persons/",
        "/api/v1/agrements/",
        "/api/v1/commission/sessions/",
    ]
    answers = {}
    for path in paths:
        response = client.get(path)
        answers[path] = (response.status_code, VOLATILE.sub(r"\1…", response.content.decode()))
    return answers


def _psql(sql: str, *, database: str) -> None:
    env = libpq_env({**connection.settings_dict, "NAME": database})
    subprocess.run(
        [str(tool("psql")), "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], env=env, check=True
    )


@pytest.fixture
def fresh_database(committed: None, tmp_path: Path) -> Iterator[str]:
    """A new database holding the platform's public schema with its reference data only:
    no département, no person, no association (what a rebuilt server starts from)."""
    original = connection.settings_dict["NAME"]
    fresh = f"{original}_restore"
    _psql(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)', database=original)
    _psql(f'CREATE DATABASE "{fresh}"', database=original)
    _psql("DROP SCHEMA public", database=fresh)  # the dump creates it
    dump = tmp_path / "public.dump"
    env = libpq_env(connection.settings_dict)
    subprocess.run(
        [str(tool("pg_dump")), "-Fc", "--schema=public", "--no-owner", f"--file={dump}"],
        env=env,
        check=True,
    )
    subprocess.run(
        [str(tool("pg_restore")), "--no-owner", f"--dbname={fresh}", str(dump)],
        env=env,
        check=True,
    )
    _psql(
        "TRUNCATE departements_tenant, accounts_user, associations_association, "
        "django_session, audit_auditevent CASCADE",
        database=fresh,
    )
    yield fresh
    connection.close()
    connection.settings_dict["NAME"] = original
    _psql(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)', database=original)


def _use(database: str) -> None:
    connection.close()
    connection.settings_dict["NAME"] = database
    forget_hosts()


@pytest.mark.slow
def test_a_departement_restored_into_a_fresh_database_serves_identically(
    fresh_database: str, tmp_path: Path
) -> None:
    built = build(code="31", kinds={"dossier", "session", "agrement"}, attacked="75")
    archive = tmp_path / "dep_31.tar"
    manifest = departement_export(code="31", destination=archive)
    with schema_context("dep_31"):
        events_exported = audit_chain_verify().events
    # After the export: the pages' own audit rows (reads of personal data) then happen on both
    # sides in the same order, and the home page's count of events matches.
    before = _answers(built.ids)
    assert before["/api/v1/dossiers/"][0] == 200
    assert str(built.ids["dossier"]) in before["/api/v1/dossiers/"][1]  # real data compared
    with tarfile.open(archive) as tar:
        assert {"manifest.json", "schema.dump", "public.json"} <= set(tar.getnames())
    assert manifest.schema == "dep_31"
    assert ["casework", "0001_initial"] in manifest.migrations

    original = connection.settings_dict["NAME"]
    _use(fresh_database)
    assert not Tenant.objects.exists()
    departement_restore(source=archive)

    assert list(Tenant.objects.values_list("code", flat=True)) == ["31"]
    assert _answers(built.ids) == before
    with schema_context("dep_31"):
        chain = audit_chain_verify()
    assert chain.ok, chain.problem
    assert chain.events >= events_exported > 0
    with pytest.raises(SchemaExists):
        departement_restore(source=archive)
    _use(original)


def test_restoring_over_an_existing_departement_is_refused_and_touches_nothing(
    committed: None, tmp_path: Path
) -> None:
    archive = tmp_path / "dep_13.tar"
    out = io.StringIO()
    call_command("departement_export", "13", str(archive), stdout=out)
    assert "dep_13 exported" in out.getvalue()
    with schema_context("dep_75"), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM agrements_agrement")
        agrements_75 = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="existe déjà"):
        call_command("departement_restore", str(archive))
    # Replacing is explicit; the other départements stay as they were.
    departement_restore(source=archive, replace=True)
    assert Tenant.objects.filter(code="13").count() == 1
    with schema_context("dep_13"):
        assert audit_chain_verify().ok
    with schema_context("dep_75"), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM agrements_agrement")
        assert cursor.fetchone()[0] == agrements_75


def test_an_altered_archive_is_refused_before_anything_is_written(
    committed: None, tmp_path: Path
) -> None:
    archive = tmp_path / "dep_13.tar"
    departement_export(code="13", destination=archive)
    altered = tmp_path / "altered.tar"
    with tarfile.open(archive) as source, tarfile.open(altered, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member)
            assert data is not None
            content = data.read()
            if member.name == "public.json":
                content = content.replace(b'"13"', b'"14"')
            member.size = len(content)
            target.addfile(member, io.BytesIO(content))
    with pytest.raises(ArchiveInvalid):
        departement_restore(source=altered, replace=True)
    assert Tenant.objects.filter(code="13").exists()
