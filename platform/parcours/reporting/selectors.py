"""Reads of published statistics: national pages, the API and exports read these, never the
staging counts and never a département's schema. A fixed number of queries whatever the number
of départements."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import QuerySet

from parcours.referentiel.models import Departement, Region
from parcours.reporting import indicators
from parcours.reporting.models import Level, PeriodKind, PublishedFigure, Release, ReleaseStatus

if TYPE_CHECKING:
    import _csv


def published_releases() -> QuerySet[Release]:
    """Newest period first; of periods ending the same day, the longest first: a year before
    its fourth quarter and December. The year is the reference publication (the programme's
    indicator is yearly), so publishing its quarters does not take its place as the default."""
    span = models.Case(
        models.When(period_kind=PeriodKind.YEAR, then=models.Value(0)),
        models.When(period_kind=PeriodKind.QUARTER, then=models.Value(1)),
        default=models.Value(2),
    )
    return (
        Release.objects.filter(status=ReleaseStatus.PUBLISHED)
        .alias(span=span)
        .order_by("-period_end", "span", "-period_start")
    )


def releases_in_progress() -> list[Release]:
    """Releases being computed, with their progress (départements done out of those asked)."""
    return list(Release.objects.filter(status=ReleaseStatus.RUNNING).order_by("-started_at"))


def published_release(*, release_id: int | None = None) -> Release | None:
    """The release asked for if it is published, else the default one: the newest period, a
    year rather than its quarters or months (see `published_releases`)."""
    releases = published_releases()
    if release_id is not None:
        return releases.filter(pk=release_id).first()
    return releases.first()


def release_and_choices(*, release_id: int | None) -> tuple[Release | None, list[Release]]:
    """The release asked for (or the default one, as `published_release`) and every published
    release to choose from, in one query."""
    releases = list(published_releases())
    if release_id is None:
        return (releases[0] if releases else None), releases
    return next((r for r in releases if r.pk == release_id), None), releases


def published_figures(
    *,
    release: Release,
    indicator: str | None = None,
    level: str | None = None,
    dimension: str | None = None,
) -> QuerySet[PublishedFigure]:
    figures = PublishedFigure.objects.filter(release=release)
    if indicator:
        figures = figures.filter(indicator=indicator)
    if level:
        figures = figures.filter(level=level)
    if dimension is not None:
        figures = figures.filter(dimension=dimension)
    return figures.order_by("indicator", "dimension", "level", "code", "category")


@dataclass
class Row:
    level: str
    code: str
    name: str
    region: str
    values: dict[str, PublishedFigure] = field(default_factory=dict)


@dataclass
class Dashboard:
    release: Release
    france: Row
    regions: list[Row]
    departements: list[Row]
    missing: list[tuple[str, str, str]]  # code, name, error
    names: dict[str, str]  # every département of the reference data, code → name
    # indicator → dimension → category → the France figure
    breakdowns: dict[str, dict[str, dict[str, PublishedFigure]]]


def dashboard(*, release: Release) -> Dashboard:
    """Management figures of every indicator at every level, in three queries."""
    names = {d.code: (d.name, d.region_id) for d in Departement.objects.all()}
    region_names = {r.pk: (r.code, r.name) for r in Region.objects.all()}
    region_by_code = {code: name for code, name in region_names.values()}
    france = Row(Level.FRANCE, "FR", "France", "")
    regions: dict[str, Row] = {}
    departements: dict[str, Row] = {}
    breakdowns: dict[str, dict[str, dict[str, PublishedFigure]]] = {}
    for figure in PublishedFigure.objects.filter(release=release).filter(
        level=Level.FRANCE
    ) | PublishedFigure.objects.filter(release=release, dimension=""):
        if figure.dimension:
            breakdowns.setdefault(figure.indicator, {}).setdefault(figure.dimension, {})[
                figure.category
            ] = figure
            continue
        if figure.level == Level.FRANCE:
            row = france
        elif figure.level == Level.REGION:
            row = regions.setdefault(
                figure.code,
                Row(Level.REGION, figure.code, region_by_code.get(figure.code, figure.code), ""),
            )
        else:
            name, region_id = names.get(figure.code, (figure.code, None))
            region_name = region_names[region_id][1] if region_id in region_names else ""
            row = departements.setdefault(
                figure.code, Row(Level.DEPARTEMENT, figure.code, name, region_name)
            )
        row.values[figure.indicator] = figure
    missing = [
        (code, names.get(code, (code, None))[0], error)
        for code, error in sorted(release.departements_missing.items())
    ]
    return Dashboard(
        release=release,
        france=france,
        regions=sorted(regions.values(), key=lambda r: r.name),
        departements=sorted(departements.values(), key=lambda r: Departement.order_key(r.code)),
        missing=missing,
        names={code: name for code, (name, _) in names.items()},
        breakdowns=breakdowns,
    )


CSV_COLUMNS = [
    "publication",
    "periode_debut",
    "periode_fin",
    "date_observation",
    "niveau",
    "code",
    "indicateur",
    "libelle",
    "dimension",
    "categorie",
    "valeur_affichee",
    "valeur_exacte",
    "diffusion",
]


# Every CSV the platform publishes (exports, open data, noisy open data) is written the French
# way, so that Excel opens it with a double click, accents and columns right: UTF-8 with a byte
# order mark (without it Excel reads the bytes as Windows-1252: "Ã©" for "é") and ";" between
# fields (a French Excel splits on ";", the comma being the decimal mark). LibreOffice, pandas
# (encoding="utf-8-sig", sep=";") and Python's csv module read it back as it was written.
CSV_BOM = "\ufeff"
CSV_DELIMITER = ";"


def csv_writer() -> tuple[io.StringIO, _csv.Writer]:
    """A buffer already holding the byte order mark, and a writer in the platform's dialect."""
    out = io.StringIO()
    out.write(CSV_BOM)
    return out, csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n")


def figures_csv(*, release: Release, indicator: str | None = None) -> str:
    """A published table as CSV (the dialect of `csv_writer`)."""
    out, writer = csv_writer()
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_export_rows(release=release, indicator=indicator))
    return out.getvalue()


def figures_xlsx(*, release: Release, indicator: str | None = None) -> bytes:
    """The same table as an XLSX workbook (exact values as numbers, the rest as shown)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("statistiques")
    sheet.append(CSV_COLUMNS)
    for row in _export_rows(release=release, indicator=indicator):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def figures_ods(*, release: Release, indicator: str | None = None) -> bytes:
    """The same table as an OpenDocument spreadsheet (the format the RGI recommends)."""
    from parcours.reporting.ods import spreadsheet

    return spreadsheet(
        sheet="statistiques",
        rows=[CSV_COLUMNS, *_export_rows(release=release, indicator=indicator)],
    )


def release_columns(release: Release) -> list[object]:
    """The first columns of every exported row: which publication, which period, which day."""
    return [
        release.pk,
        release.period_start.isoformat(),
        release.period_end.isoformat(),
        release.snapshot_on.isoformat(),
    ]


def _export_rows(*, release: Release, indicator: str | None) -> list[list[object]]:
    rows: list[list[object]] = []
    for f in published_figures(release=release, indicator=indicator):
        label = indicators.BY_CODE[f.indicator].label if f.indicator in indicators.BY_CODE else ""
        rows.append(
            [
                *release_columns(release),
                f.level,
                f.code,
                f.indicator,
                label,
                f.dimension,
                f.category,
                f.shown,
                "" if f.value is None else f.value,
                f.disclosure,
            ]
        )
    return rows
