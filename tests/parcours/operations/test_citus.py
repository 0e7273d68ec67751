"""What Citus schema-based sharding refuses, checked without Citus (infra/citus/README.md).

With `citus.enable_schema_based_sharding`, each département schema becomes a distributed schema
placed whole on one worker; its tables may only reference tables of the same schema and
reference tables (the public ones, replicated to every node). These tests read what provisioning
actually runs (the recorded script, departements/provisioning.py) and the models' foreign keys.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from parcours.departements.provisioning import tenant_blueprint

README = Path(__file__).resolve().parents[3] / "infra" / "citus" / "README.md"

# Statements Citus refuses in a distributed schema, or accepts only with unsafe settings.
REFUSED = {
    "table inheritance": r"\bINHERITS\s*\(",
    "rules": r"\bCREATE\s+(OR\s+REPLACE\s+)?RULE\b",
    "moving a table between schemas": r"\bSET\s+SCHEMA\b",
    "unlogged tables": r"\bCREATE\s+UNLOGGED\s+TABLE\b",
    "materialized views (stay on the coordinator)": r"\bCREATE\s+MATERIALIZED\s+VIEW\b",
    "identity or serial columns narrower than bigint": (
        r"\b(integer|smallint|int4|int2)\s+NOT\s+NULL\s+(PRIMARY\s+KEY\s+)?GENERATED\b"
        r"|\b(small)?serial\b"
    ),
    "a schema-qualified name (the script must stay relocatable)": r'"dep_[a-z0-9]+"\.',
}


@pytest.fixture
def script(db: None) -> str:
    blueprint = tenant_blueprint()  # cached per process: recorded once
    return blueprint.script + "\n" + blueprint.public_links


@pytest.mark.parametrize("what", sorted(REFUSED))
def test_the_recorded_provisioning_script_has_nothing_citus_refuses(script: str, what: str) -> None:
    assert "CREATE TABLE" in script  # the script really was read
    found = re.findall(REFUSED[what], script, flags=re.IGNORECASE)
    assert not found, f"{what}: {found[:3]}"


def test_the_only_trigger_is_the_audit_trail_s_which_touches_no_other_table(script: str) -> None:
    # Citus runs triggers on distributed tables only with citus.enable_unsafe_triggers; that is
    # safe for a trigger that only refuses (it reads and writes no other table).
    triggers = re.findall(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\s+(\w+)", script)
    assert triggers == ["audit_event_append_only"]


def _public_closure() -> set[str]:
    """Public tables tenant tables point at, and the public tables those point at, and so on:
    all of them must be reference tables."""
    pending = [
        field.related_model
        for model in apps.get_models()
        if model._meta.app_config.name in settings.TENANT_APPS
        and model._meta.app_config.name not in settings.SHARED_APPS
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey)
        and field.related_model._meta.app_config.name in settings.SHARED_APPS
    ]
    tables: set[str] = set()
    while pending:
        model = pending.pop()
        if model._meta.db_table in tables:
            continue
        tables.add(model._meta.db_table)
        pending += [
            f.related_model for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)
        ]
    return tables


def test_every_public_table_a_departement_references_is_listed_as_a_reference_table() -> None:
    closure = _public_closure()
    assert "associations_association" in closure  # the closure really was computed
    listed = set(re.findall(r"^\s*- `(\w+)`$", README.read_text(), flags=re.MULTILINE))
    assert closure <= listed, f"missing from infra/citus/README.md: {sorted(closure - listed)}"


def test_no_public_table_references_a_departement_table() -> None:
    # A reference table may only reference reference tables: never a distributed schema's.
    for model in apps.get_models():
        if model._meta.app_config.name not in settings.SHARED_APPS:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey):
                target = field.related_model._meta.app_config.name
                assert target in settings.SHARED_APPS, f"{model.__name__}.{field.name}"


def test_departement_tables_reference_only_their_schema_or_public_tables() -> None:
    for model in apps.get_models():
        if model._meta.app_config.name not in settings.TENANT_APPS:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey):
                target = field.related_model._meta.app_config.name
                assert target in settings.TENANT_APPS or target in settings.SHARED_APPS
