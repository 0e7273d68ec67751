"""The migrations Job: public first, one schema at a time, and a new run resumes."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from infra.runtime.management.commands.migrate_departements import migrate_all


class Schemas:
    """Schemas behind the code; migrating one brings it up to date, or fails once."""

    def __init__(self, behind: list[str], *, fails_once: str = "") -> None:
        self.behind, self.fails_once, self.migrated = list(behind), fails_once, []

    def pending(self) -> list[str]:
        return list(self.behind)

    def migrate(self, schema: str) -> None:
        if schema == self.fails_once:
            self.fails_once = ""
            raise RuntimeError("connection lost")
        self.migrated.append(schema)
        self.behind.remove(schema)


@pytest.mark.django_db
def test_public_is_migrated_first_then_each_schema_with_its_progress() -> None:
    schemas = Schemas(["dep_31", "public", "dep_75"])
    lines: list[str] = []
    assert migrate_all(write=lines.append, migrate=schemas.migrate, behind=schemas.pending) == 3
    assert schemas.migrated == ["public", "dep_31", "dep_75"]
    assert lines[1].startswith("[1/3] public migrated in")
    assert lines[3].startswith("[3/3] dep_75 migrated in")
    assert lines[-1].startswith("every schema is up to date (3 migrated")


@pytest.mark.django_db
def test_a_run_stopped_halfway_is_resumed_without_redoing_what_is_done() -> None:
    schemas = Schemas(["public", "dep_13", "dep_31", "dep_75"], fails_once="dep_31")
    lines: list[str] = []
    with pytest.raises(RuntimeError):
        migrate_all(write=lines.append, migrate=schemas.migrate, behind=schemas.pending)
    assert schemas.migrated == ["public", "dep_13"]
    assert "[3/4] dep_31 FAILED (RuntimeError)" in lines[-1]

    migrate_all(write=lines.append, migrate=schemas.migrate, behind=schemas.pending)
    # The second run starts where the first stopped: nothing is migrated twice.
    assert schemas.migrated == ["public", "dep_13", "dep_31", "dep_75"]


@pytest.mark.django_db
def test_a_schema_still_behind_after_the_run_fails_the_job() -> None:
    with pytest.raises(CommandError, match="still behind after the run: dep_31"):
        migrate_all(write=lambda line: None, migrate=lambda s: None, behind=lambda: ["dep_31"])


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
def test_on_an_up_to_date_database_the_job_migrates_nothing() -> None:
    out = StringIO()
    call_command("migrate_departements", stdout=out)
    assert "0 schema(s) behind the code: none" in out.getvalue()
    assert "every schema is up to date (0 migrated" in out.getvalue()
    out = StringIO()
    call_command("migrate_departements", "--check", stdout=out)
    assert out.getvalue().strip() == "every schema is up to date"


@pytest.mark.django_db
@pytest.mark.usefixtures("base")
def test_a_departement_behind_is_migrated_for_real_and_readiness_follows() -> None:
    """A real migration undone in one schema (inside the test's transaction), then redone."""
    from parcours.db import connection
    from parcours.health import readiness_report

    call_command(
        "migrate_schemas",
        "commission",
        "0003",
        schema_name="dep_75",
        interactive=False,
        verbosity=0,
    )
    connection.set_schema_to_public()
    assert readiness_report()["unmigrated"] == ["dep_75"]

    out = StringIO()
    call_command("migrate_departements", stdout=out)

    assert "[1/1] dep_75 migrated in" in out.getvalue()
    assert readiness_report()["unmigrated"] == []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = 'dep_75' "
            "AND table_name = 'commission_member' AND column_name = 'end_reason'"
        )
        assert cursor.fetchone() is not None
