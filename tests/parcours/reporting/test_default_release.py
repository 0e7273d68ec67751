"""selectors.published_release and its CSV dialect: which release a page shows when none is
asked for, and the CSV every download is written in."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest

from parcours.reporting.models import PublishedFigure, Release
from parcours.reporting.selectors import (
    figures_csv,
    published_release,
    published_releases,
    release_and_choices,
)

pytestmark = pytest.mark.django_db

QUARTERS = [
    (dt.date(2024, m, 1), dt.date(2024, m + 2, 30 if m + 2 in (6, 9) else 31))
    for m in (1, 4, 7, 10)
]


def copy_release(release: Release, *, kind: str, start: dt.date, end: dt.date) -> Release:
    """Another published period with the same figures (computing each would take seconds)."""
    other = Release.objects.create(
        period_kind=kind,
        period_start=start,
        period_end=end,
        snapshot_on=end,
        status="published",
        rules=release.rules,
        departements_expected=release.departements_expected,
        departements_included=release.departements_included,
        started_at=release.started_at,
        published_at=release.published_at,
    )
    figures = list(PublishedFigure.objects.filter(release=release))
    for figure in figures:
        figure.pk = None
        figure.release = other
    PublishedFigure.objects.bulk_create(figures)
    return other


def publish_quarters_and_december(release: Release) -> list[Release]:
    """The four quarters of 2024 and December, published after the year (the newest pk)."""
    return [
        *(copy_release(release, kind="quarter", start=s, end=e) for s, e in QUARTERS),
        copy_release(release, kind="month", start=dt.date(2024, 12, 1), end=dt.date(2024, 12, 31)),
    ]


def test_the_year_stays_the_default_when_its_quarters_and_months_are_published(
    release_2024: Release,
) -> None:
    others = publish_quarters_and_december(release_2024)
    assert published_release() == release_2024
    assert [r.period_name for r in published_releases()][:3] == [
        "Année 2024",
        "4e trimestre 2024",
        "Décembre 2024",
    ]
    # Any of them is still shown when asked for.
    assert published_release(release_id=others[0].pk) == others[0]


def test_a_newer_period_takes_over_from_the_year(release_2024: Release) -> None:
    publish_quarters_and_december(release_2024)
    first_2025 = copy_release(
        release_2024, kind="quarter", start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31)
    )
    assert published_release() == first_2025


def test_the_release_and_its_choices_come_in_one_query(
    release_2024: Release, django_assert_num_queries: Any
) -> None:
    quarters = publish_quarters_and_december(release_2024)
    with django_assert_num_queries(1):
        shown, choices = release_and_choices(release_id=None)
    assert shown == release_2024 and len(choices) == 6
    with django_assert_num_queries(1):
        assert release_and_choices(release_id=quarters[1].pk)[0] == quarters[1]
    assert release_and_choices(release_id=987654)[0] is None


def test_the_csv_opens_in_a_french_excel_with_its_accents(release_2024: Release) -> None:
    """UTF-8 with a byte order mark, ";" between fields, CRLF line ends; read back as written."""
    body = figures_csv(release=release_2024, indicator="first_requests").encode("utf-8")
    assert body.startswith(b"\xef\xbb\xbfpublication;periode_debut;")
    assert b"\r\n" in body
    text = body.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert rows and {row["libelle"] for row in rows} == {"Premières demandes déposées"}
    # The mark is not part of the first column's name.
    assert next(iter(rows[0])) == "publication"
