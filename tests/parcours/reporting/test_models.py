"""What the public schema holds for statistics: counts only, staging read by the pipeline only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import models

from parcours.reporting.models import PublishedFigure, Release, StagingCount

ROOT = Path(__file__).resolve().parents[3]


def test_staging_counts_are_read_by_the_pipeline_alone() -> None:
    users = {
        str(path.relative_to(ROOT))
        for folder in ("platform", "tenants", "api", "frontend", "infra")
        for path in (ROOT / folder).rglob("*.py")
        if "StagingCount" in path.read_text(encoding="utf-8") and "/migrations/" not in str(path)
    }
    assert users == {
        "platform/parcours/reporting/models.py",
        "platform/parcours/reporting/services.py",
    }


def test_no_free_text_and_no_person_in_the_statistics_tables() -> None:
    for model in (StagingCount, PublishedFigure):
        for field in model._meta.get_fields():
            assert not isinstance(field, models.TextField), (model, field.name)
            if isinstance(field, models.CharField):
                assert field.max_length <= 64, (model, field.name)
            assert "person" not in field.name


@pytest.mark.parametrize(
    "kind, start, name",
    [
        ("year", dt.date(2024, 1, 1), "Année 2024"),
        ("quarter", dt.date(2024, 1, 1), "1er trimestre 2024"),
        ("quarter", dt.date(2024, 7, 1), "3e trimestre 2024"),
        ("month", dt.date(2024, 7, 1), "Juillet 2024"),
        ("month", dt.date(2024, 8, 1), "Août 2024"),
    ],
)
def test_a_release_names_its_period_in_words(kind: str, start: dt.date, name: str) -> None:
    release = Release(period_kind=kind, period_start=start, status="published")
    assert release.period_name == name
    assert str(release) == name  # never "Année 2024-01-01 (Publiée)"
