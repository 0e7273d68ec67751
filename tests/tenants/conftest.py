"""Fixtures shared by every tenant app's tests."""

from tests.tenants.casework.conftest import in31  # noqa: F401  (re-exported fixture)
