"""The database connection as django-tenants extends it.

django-tenants' DatabaseWrapper adds the schema methods (`set_tenant`, `schema_name`, …) that
django-stubs cannot know about; this alias lets typed code use them without casts everywhere.
Our backend (`parcours.db_backend`) adds the département roles: `confined` runs a block under a
schema's role, `as_owner` under the connecting user (see the backend's docstring).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection as _connection

connection: Any = _connection


@contextmanager
def confined(schema_name: str) -> Iterator[None]:
    """Statements of the block run under the role of `schema_name` (public: the national one)."""
    previous = connection.confine(schema_name)
    try:
        yield
    finally:
        connection.confine(previous)


@contextmanager
def as_owner() -> Iterator[None]:
    """Statements of the block run as the connecting user, who owns every table: creating a
    département (schemas, roles, grants) needs it, whoever asked for it."""
    previous = connection.confine(None)
    try:
        yield
    finally:
        connection.confine(previous)
