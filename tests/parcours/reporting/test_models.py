"""What the public schema holds for statistics: counts only, staging read by the pipeline only."""

from __future__ import annotations

from pathlib import Path

from django.db import models

from parcours.reporting.models import PublishedFigure, StagingCount

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
