"""Fixtures of the seeders' tests: the small national seed of the reporting tests."""

from __future__ import annotations

from tests.parcours.reporting.conftest import seeded  # noqa: F401 (re-exported)
