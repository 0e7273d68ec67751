"""A guard for national requests: they must never point the connection at a département."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.postgresql_backend.base import DatabaseWrapper


@contextmanager
def no_departement_schema(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail if the code inside sets a département's schema or names one in SQL."""
    set_tenant = DatabaseWrapper.set_tenant
    set_schema = DatabaseWrapper.set_schema

    def guarded_tenant(self: Any, tenant: Any, *args: Any, **kwargs: Any) -> Any:
        if tenant.schema_name != "public":
            pytest.fail(f"a national request set the schema of {tenant.schema_name}")
        return set_tenant(self, tenant, *args, **kwargs)

    def guarded_schema(self: Any, schema_name: str, *args: Any, **kwargs: Any) -> Any:
        if schema_name != "public":
            pytest.fail(f"a national request set the schema {schema_name}")
        return set_schema(self, schema_name, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(DatabaseWrapper, "set_tenant", guarded_tenant)
        patch.setattr(DatabaseWrapper, "set_schema", guarded_schema)
        with CaptureQueriesContext(connection) as captured:
            yield
    for query in captured.captured_queries:
        assert "dep_" not in query["sql"], query["sql"]
    assert connection.schema_name == "public"
