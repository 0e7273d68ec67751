"""Reads of the département's side of the national statistics, inside its schema."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from parcours.referentiel.models import Departement
from parcours.reporting import indicators
from parcours.reporting.models import Level, PublishedFigure, Release
from parcours.reporting.selectors import published_release
from tenants.statistics.extraction import extract_counts


@dataclass
class OwnRow:
    label: str
    exact: int
    published_here: str
    published_region: str
    published_france: str


@dataclass
class OwnView:
    release: Release
    region_name: str
    rows: list[OwnRow]


def departement_beside_published(*, code: str) -> OwnView | None:
    """A département's exact figures, computed now in its own schema over the period of the
    latest published release, beside what that release published for it, its région and
    France. Called inside the département's schema (its own counts); the published ones are
    read from the public schema. Nothing here is shown outside the département: its exact
    figures are its own, and the régional and national ones are public."""
    release = published_release()
    if release is None:
        return None
    departement = Departement.objects.select_related("region").filter(code=code).first()
    if departement is None:
        return None
    region_code = departement.region.code
    published = {
        (figure.level, figure.indicator): figure.shown
        for figure in PublishedFigure.objects.filter(
            release=release,
            dimension="",
            indicator__in=[indicator.code for indicator in indicators.MANAGEMENT],
        ).filter(
            models.Q(level=Level.DEPARTEMENT, code=code)
            | models.Q(level=Level.REGION, code=region_code)
            | models.Q(level=Level.FRANCE)
        )
    }
    exact = {
        count.indicator: count.value
        for count in extract_counts(
            snapshot=release.snapshot_on,
            period_start=release.period_start,
            period_end=release.period_end,
            attribute_breakdowns=False,  # totals only: no identity decrypted for this page
        )
        if not count.dimension
    }
    rows = [
        OwnRow(
            label=indicator.label,
            exact=exact.get(indicator.code, 0),
            published_here=published.get((Level.DEPARTEMENT, indicator.code), "—"),
            published_region=published.get((Level.REGION, indicator.code), "—"),
            published_france=published.get((Level.FRANCE, indicator.code), "—"),
        )
        for indicator in indicators.MANAGEMENT
    ]
    return OwnView(release=release, region_name=departement.region.name, rows=rows)
