"""The national annual report: a PDF of a published year release, built in a task.

`national_report_request` (national operator, audited) opens a version of the report and queues
`generate_national_report` on commit (by name: the task module is above this one); the task calls `national_report_generate`, which renders
`national/annual_report.html` with WeasyPrint from the release's published figures only (never
a département's schema) and stores the PDF in the report's row. `national_report_download`
hands a finished report to a national role and audits the read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.utils import schema_context

from parcours.audit.services import audit_record
from parcours.queue import enqueue_on_commit
from parcours.reporting import indicators
from parcours.reporting import map as france_map
from parcours.reporting import vocabulary as x
from parcours.reporting.disclosure import SUPPRESSED_MARK
from parcours.reporting.models import (
    Level,
    NationalReport,
    PeriodKind,
    PublishedFigure,
    Release,
    ReleaseStatus,
    ReportStatus,
)
from parcours.reporting.selectors import Row, dashboard
from parcours.reporting.services import ReportingError
from parcours.reporting.task_names import GENERATE_NATIONAL_REPORT
from parcours.reporting.trends import france_trends


class ReleaseNotFound(ReportingError):
    """No release has this id (a 404, not a refusal)."""


class ReportNotReady(ReportingError):
    """The report does not exist, is not finished, or failed: there is nothing to download."""


# ---------------------------------------------------------------------------------------------
# Writes


def national_report_request(*, release_id: int, actor_id: int | None) -> NationalReport:
    """Ask for the annual report of a published year release; the PDF is built by a task.

    A version still pending is queued again rather than doubled (a lost task, a double click):
    the task is idempotent. Once a version is finished, the next request makes a new one.
    """
    with schema_context("public"), transaction.atomic():
        # The release's row lock serialises requests: version numbers never collide.
        release = Release.objects.select_for_update().filter(pk=release_id).first()
        if release is None:
            raise ReleaseNotFound("Aucune publication de statistiques ne porte ce numéro.")
        if release.status != ReleaseStatus.PUBLISHED:
            raise ReportingError(
                "Le rapport annuel s'établit sur une publication achevée : celle-ci est en "
                "cours de calcul ou a échoué."
            )
        if release.period_kind != PeriodKind.YEAR:
            raise ReportingError(
                "Le rapport annuel porte sur une année : choisissez la publication d'une année, "
                "pas celle d'un trimestre ou d'un mois."
            )
        reports = NationalReport.objects.defer("pdf").filter(release=release)
        report = reports.filter(status=ReportStatus.PENDING).first()
        if report is None:
            version = (reports.aggregate(last=Max("version"))["last"] or 0) + 1
            report = NationalReport.objects.create(
                release=release,
                version=version,
                requested_at=timezone.now(),
                requested_by_id=actor_id,
            )
        audit_record(
            action="reporting.national_report_requested",
            actor_id=actor_id,
            object_type="national_report",
            object_id=report.pk,
            data={"release": release.pk, "version": report.version},
        )
        enqueue_on_commit(GENERATE_NATIONAL_REPORT, schema_name="public", report_id=report.pk)
        return report


def national_report_generate(*, report_id: int) -> NationalReport | None:
    """Render and store the PDF of a pending (or failed) report. Idempotent: a finished
    version is never rewritten (it may have been sent out; a re-run release gets a new
    version on request), and a run never adds a row."""
    with schema_context("public"):
        report = (
            NationalReport.objects.defer("pdf").select_related("release").filter(pk=report_id)
        ).first()
        if report is None:
            return None  # a task of a report since deleted with its release
        release = report.release
        if report.status == ReportStatus.READY:
            return report
        if release.status != ReleaseStatus.PUBLISHED:
            return _failed(
                report_id,
                "La publication est en cours de recalcul : redemandez "
                "le rapport une fois qu'elle sera publiée.",
            )
        published_at = release.published_at
        # Rendering takes seconds: no lock held meanwhile; the publication is checked again
        # before storing, so a PDF never mixes two publications of the period.
        pdf = render_pdf(release=release)
        with transaction.atomic():
            report = NationalReport.objects.defer("pdf").select_for_update().get(pk=report_id)
            current = Release.objects.get(pk=report.release_id)
            if current.status != ReleaseStatus.PUBLISHED or current.published_at != published_at:
                return _failed(
                    report_id,
                    "La publication a été recalculée pendant la "
                    "génération : redemandez le rapport.",
                )
            if report.status == ReportStatus.READY:
                return report  # a concurrent run of the same task finished first
            report.pdf = pdf
            report.size = len(pdf)
            report.sha256 = hashlib.sha256(pdf).hexdigest()
            report.status = ReportStatus.READY
            report.error = ""
            report.generated_at = timezone.now()
            report.release_published_at = published_at
            report.save()
            audit_record(
                action="reporting.national_report_generated",
                object_type="national_report",
                object_id=report.pk,
                data={"release": current.pk, "version": report.version, "sha256": report.sha256},
            )
            return report


def national_report_failed(*, report_id: int, error: str) -> NationalReport | None:
    """Record that a report could not be built (after the task's retries)."""
    with schema_context("public"):
        return _failed(report_id, error)


def _failed(report_id: int, error: str) -> NationalReport | None:
    with transaction.atomic():
        report = (
            NationalReport.objects.defer("pdf").select_for_update().filter(pk=report_id).first()
        )
        if report is None or report.status == ReportStatus.READY:
            return report
        report.status = ReportStatus.FAILED
        report.error = error[:200]
        report.save(update_fields=["status", "error"])
        audit_record(
            action="reporting.national_report_failed",
            object_type="national_report",
            object_id=report.pk,
            data={"release": report.release_id, "version": report.version},
        )
        return report


def national_report_download(*, report_id: int, actor_id: int | None) -> NationalReport:
    """A finished report with its PDF, for a national role; every download is audited."""
    with schema_context("public"), transaction.atomic():
        report = (
            NationalReport.objects.select_related("release")
            .filter(pk=report_id, status=ReportStatus.READY)
            .first()
        )
        if report is None or report.pdf is None:
            raise ReportNotReady("Aucun rapport prêt ne porte ce numéro.")
        audit_record(
            action="reporting.national_report_downloaded",
            actor_id=actor_id,
            object_type="national_report",
            object_id=report.pk,
            data={"release": report.release_id, "version": report.version},
        )
        return report


# ---------------------------------------------------------------------------------------------
# Reads


def national_reports(*, release_id: int | None = None) -> QuerySet[NationalReport]:
    """Reports, newest request first, without their PDF (read only to download one)."""
    reports = NationalReport.objects.defer("pdf").select_related("release")
    if release_id is not None:
        reports = reports.filter(release_id=release_id)
    return reports.order_by("-requested_at", "-pk")


def national_report(*, report_id: int) -> NationalReport | None:
    return national_reports().filter(pk=report_id).first()


@dataclass(frozen=True)
class Table:
    """A published table as printed: a header row, then rows of (heading, shown figures)."""

    caption: str
    corner: str
    columns: list[str]
    rows: list[tuple[str, list[str]]]


def _chunks(items: Sequence[indicators.Indicator], size: int) -> list[list[indicators.Indicator]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _shown(row: Row, code: str) -> str:
    figure = row.values.get(code)
    return figure.shown if figure is not None else "—"


def report_context(*, release: Release) -> dict[str, Any]:
    """Everything the PDF shows, read from the release's published figures in a fixed number
    of queries (the dashboard's three, the breakdowns, the outcome labels, the trends)."""
    board = dashboard(release=release)
    names = board.names
    labels = indicators.categories()
    places = [board.france, *board.regions, *board.departements]

    def by_place(title: str, rows: list[Row], group: list[indicators.Indicator]) -> Table:
        return Table(
            caption=title,
            corner="Département" if rows and rows[0].level == Level.DEPARTEMENT else "Territoire",
            columns=[i.label for i in group],
            rows=[(_place(row), [_shown(row, i.code) for i in group]) for row in rows],
        )

    groups = _chunks(indicators.published_in(period_kind=release.period_kind), 5)
    # The column headers name the indicators; a caption listing them again would be longer
    # than the table's first rows.
    management_tables = [
        by_place(f"Par région ({n}/{len(groups)})", [board.france, *board.regions], group)
        for n, group in enumerate(groups, start=1)
    ] + [
        by_place(f"Par département ({n}/{len(groups)})", board.departements, group)
        for n, group in enumerate(groups, start=1)
    ]
    oversight_groups = _chunks(indicators.OVERSIGHT, 4)
    oversight_tables = [
        by_place(
            f"Fonctionnement des commissions, chiffres exacts ({n}/{len(oversight_groups)})",
            [board.france, *board.regions],
            group,
        )
        for n, group in enumerate(oversight_groups, start=1)
    ]

    cells: dict[tuple[str, str], dict[tuple[str, str, str], str]] = {}
    # The breakdowns (the commissions' missing colleges are listed on the oversight page).
    for figure in PublishedFigure.objects.filter(
        release=release, dimension__in=list(indicators.DIMENSIONS)
    ):
        cells.setdefault((figure.indicator, figure.dimension), {})[
            (figure.level, figure.code, figure.category)
        ] = figure.shown
    breakdown_tables = []
    for (indicator, dimension), shown in sorted(
        cells.items(), key=lambda item: (_position(item[0][0]), item[0][1])
    ):
        dimension_label = indicators.DIMENSIONS[dimension].label
        categories = labels.get(dimension, [])
        breakdown_tables.append(
            Table(
                caption=f"{indicators.BY_CODE[indicator].label} par {dimension_label.lower()}",
                corner="Territoire",
                columns=[label for _, label in categories] + ["Total"],
                rows=[
                    (
                        _place(row),
                        [shown.get((row.level, row.code, code), "—") for code, _ in categories]
                        + [_shown(row, indicator)],
                    )
                    for row in places
                ],
            )
        )

    included = {row.code: row for row in board.departements}
    mapped = x.PERSONS_IN_PATHWAY
    width, height = france_map.size()
    return {
        "release": release,
        "board": board,
        "today": timezone.localdate(),
        "included": [(code, names.get(code, code)) for code in release.departements_included],
        "key_figures": [
            (indicator, board.france.values.get(indicator.code))
            for indicator in indicators.MANAGEMENT
        ],
        "key_columns": [indicators.BY_CODE[code].label for code in indicators.KEY],
        "key_rows": [
            (_place(row), [_shown(row, code) for code in indicators.KEY])
            for row in [board.france, *board.regions]
        ],
        "trends": france_trends(release=release),
        "management_tables": management_tables,
        "oversight_tables": oversight_tables,
        "breakdown_tables": breakdown_tables,
        "withheld": [
            indicators.BY_CODE[code].label
            for code in release.rules.get("withheld", [])
            if code in indicators.BY_CODE
        ],
        "suppressed_mark": SUPPRESSED_MARK,
        "map_indicator": indicators.BY_CODE[mapped],
        "map_tiles": france_map.tiles(
            rows=[
                (code, name, included[code].values.get(mapped) if code in included else None)
                for code, name in names.items()
            ]
        ),
        "map_width": width,
        "map_height": height,
        "map_tile": france_map.TILE,
        "map_classes": [(label, fill) for _, label, fill, _ in france_map.CLASSES]
        + [france_map.MISSING[:2]],
    }


def _place(row: Row) -> str:
    return f"{row.code} – {row.name}" if row.level == Level.DEPARTEMENT else row.name


def _position(indicator: str) -> int:
    codes = [i.code for i in indicators.MANAGEMENT]
    return codes.index(indicator) if indicator in codes else len(codes)


def render_pdf(*, release: Release) -> bytes:
    from weasyprint import HTML

    html = render_to_string("national/annual_report.html", report_context(release=release))
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
