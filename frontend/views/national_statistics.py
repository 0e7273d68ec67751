"""National statistics (national host): published releases only, never a département's schema."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from frontend.decorators import open_page, page
from parcours.accounts.permissions import ALL_NATIONAL_ROLES, NATIONAL_OPERATOR_ONLY, Access
from parcours.errors import Refused
from parcours.operations.replica import reads_from_replica
from parcours.reporting import indicators
from parcours.reporting import map as france_map
from parcours.reporting.annual_report import (
    ReleaseNotFound,
    ReportNotReady,
    national_report_download,
    national_report_request,
    national_reports,
)
from parcours.reporting.models import PeriodKind, Release, ReportStatus
from parcours.reporting.privacy import epsilon_parse
from parcours.reporting.privacy_selectors import (
    DpRelease,
    dp_breakdown_tables,
    dp_release_open,
    privacy_budgets,
)
from parcours.reporting.selectors import (
    dashboard,
    figures_csv,
    figures_ods,
    figures_xlsx,
    published_release,
    release_and_choices,
    releases_in_progress,
)
from parcours.reporting.services import ReportingError, period_parse, release_start
from parcours.reporting.trends import france_trends
from parcours.validation import parse_int

REPORTS_SHOWN = 10


def _release_id(request: HttpRequest) -> int | None:
    value = parse_int(request.GET.get("publication", ""))
    return value if value > 0 else None


# What a square of the map without a value means, for the indicators where it can happen.
_NO_VALUE = {
    indicators.DECISION_DELAY_MEDIAN: "aucune décision sur la période",
    indicators.DECISION_DELAY_P90: "aucune décision sur la période",
}
# The map is drawn in grid units (`map.TILE` a square) and shown this much larger on the page,
# so that every square's value reads without zooming.
MAP_ZOOM = 1.3


@reads_from_replica
@page(roles=ALL_NATIONAL_ROLES, national=True)
def overview(request: HttpRequest, *, access: Access) -> HttpResponse:
    release, releases = release_and_choices(release_id=_release_id(request))
    in_progress = releases_in_progress()
    # The budgets the release shown and those being computed draw on; with none of them, last
    # year's (the newest ended year, the one a release would draw on).
    budget_years = {r.period_start.year for r in [*([release] if release else []), *in_progress]}
    can_publish = access.has_any(NATIONAL_OPERATOR_ONLY)
    reports = list(national_reports()[:REPORTS_SHOWN])
    common = {
        "in_progress": in_progress,
        "can_publish": can_publish,
        "reports": reports,
        # The page follows a release or a report being built by itself (parcours-progress.js).
        "reports_under_way": any(r.status == ReportStatus.PENDING for r in reports),
        "privacy_budgets": privacy_budgets(
            access=access, years=budget_years or {timezone.localdate().year - 1}
        ),
    }
    if release is None:
        return render(request, "national/statistics.html", {"release": None, **common})
    selected = request.GET.get("indicateur", "")
    if selected not in indicators.BY_CODE:
        selected = indicators.MANAGEMENT[0].code
    return render(
        request,
        "national/statistics.html",
        {
            "release": release,
            "selected": indicators.BY_CODE[selected],
            "release_board": _release_board(
                release=release,
                releases=releases,
                selected=selected,
                can_publish=can_publish,
            ),
            "can_report": can_publish and release.period_kind == PeriodKind.YEAR,
            **common,
        },
    )


# A published release never changes (a new computation of its period is another release), so
# the part of the dashboard drawn from it is rendered once per indicator and kept: it is most
# of the page's work (the map, every table, the trends). The key carries every published
# release (the choices offered and the trends change when one is added or replaced) and whether
# the reader may publish (a link shown to the operator only). No personal data is in it: the
# figures are those published, after disclosure control.
RELEASE_BOARD_SECONDS = 24 * 3600


def _release_board(
    *, release: Release, releases: list[Release], selected: str, can_publish: bool
) -> str:
    published = ",".join(f"{r.pk}@{r.published_at}" for r in releases)
    key = (
        "national-board:"
        + hashlib.sha256(f"{release.pk}|{selected}|{can_publish}|{published}".encode()).hexdigest()
    )
    cached: str | None = cache.get(key)
    if cached is None:
        cached = _release_board_render(
            release=release, releases=releases, selected=selected, can_publish=can_publish
        )
        cache.set(key, cached, RELEASE_BOARD_SECONDS)
    return mark_safe(cached)  # noqa: S308 (rendered by the template engine, escaped there)


def _release_board_render(
    *, release: Release, releases: list[Release], selected: str, can_publish: bool
) -> str:
    board = dashboard(release=release)
    offered = indicators.published_in(period_kind=release.period_kind)
    labels = indicators.categories()
    included = {row.code: row for row in board.departements}
    rows = [
        (code, name, included[code].values.get(selected) if code in included else None)
        for code, name in board.names.items()
    ]
    classes = france_map.classes_for(
        unit=indicators.BY_CODE[selected].unit, figures=[figure for _, _, figure in rows]
    )
    width, height = france_map.size()
    empty_label = _NO_VALUE.get(selected, france_map.EMPTY[0])
    breakdowns = [
        {
            "dimension": indicators.DIMENSIONS[dimension],
            "cells": [(label, cells.get(code)) for code, label in labels[dimension]],
        }
        for dimension, cells in board.breakdowns.get(selected, {}).items()
    ]
    france = [(indicator, board.france.values.get(indicator.code)) for indicator in offered]
    return render_to_string(
        "national/_release_board.html",
        {
            "release": release,
            "releases": releases,
            "board": board,
            "indicators": offered,
            "selected": indicators.BY_CODE[selected],
            "can_publish": can_publish,
            "key_figures": [(i, figure) for i, figure in france if i.code in indicators.KEY],
            "france_figures": france,
            "departement_rows": [(row, row.values.get(selected)) for row in board.departements],
            "region_rows": [(row, row.values.get(selected)) for row in board.regions],
            "breakdowns": breakdowns,
            "trends": france_trends(release=release),
            "map_tiles": france_map.tiles(
                rows=rows,
                classes=classes,
                included=set(release.departements_included),
                empty_label=empty_label,
            ),
            "map_width": width,
            "map_height": height,
            "map_shown_width": round(width * MAP_ZOOM),
            "map_shown_height": round(height * MAP_ZOOM),
            "map_tile": france_map.TILE,
            "map_legend": france_map.legend(classes=classes, empty_label=empty_label),
        },
    )


@page(roles=NATIONAL_OPERATOR_ONLY, national=True)
@require_POST
def publish(request: HttpRequest, *, access: Access) -> HttpResponse:
    epsilon = request.POST.get("epsilon", "").strip()
    try:
        kind, start = period_parse(text=request.POST.get("periode", ""))
        release_start(
            period_kind=kind,
            period_start=start,
            actor_id=access.user_id,
            dp_epsilon=epsilon_parse(value=epsilon) if epsilon else None,
        )
    except Refused as exc:  # the release, its ε or its budget, each with its reason
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            "Le calcul est lancé : chaque département compte ses effectifs, puis la "
            "publication remplace la précédente de la même période.",
        )
    return HttpResponseRedirect(reverse("frontend:statistics"))


@page(roles=NATIONAL_OPERATOR_ONLY, national=True)
@require_POST
def report_request(request: HttpRequest, *, access: Access) -> HttpResponse:
    """The operator asks for the annual report of a published year; a task builds the PDF."""
    release_id = parse_int(request.POST.get("publication", ""))
    try:
        national_report_request(release_id=release_id, actor_id=access.user_id)
    except ReleaseNotFound as exc:
        raise Http404(str(exc)) from exc
    except ReportingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            "Le rapport annuel est en cours de génération ; il apparaîtra ci-dessous, prêt à "
            "télécharger, dans quelques instants (rechargez la page).",
        )
    return HttpResponseRedirect(
        reverse("frontend:statistics") + f"?publication={release_id}#rapports"
    )


@page(roles=ALL_NATIONAL_ROLES, national=True)
def report_download(request: HttpRequest, pk: int, *, access: Access) -> HttpResponseBase:
    try:
        report = national_report_download(report_id=pk, actor_id=access.user_id)
    except ReportNotReady as exc:
        raise Http404(str(exc)) from exc
    response = HttpResponse(bytes(report.pdf or b""), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS = "application/vnd.oasis.opendocument.spreadsheet"


@page(roles=ALL_NATIONAL_ROLES, national=True)
def export_csv(request: HttpRequest, *, access: Access) -> HttpResponse:
    return _export(request, extension="csv")


@page(roles=ALL_NATIONAL_ROLES, national=True)
def export_xlsx(request: HttpRequest, *, access: Access) -> HttpResponse:
    return _export(request, extension="xlsx")


@page(roles=ALL_NATIONAL_ROLES, national=True)
def export_ods(request: HttpRequest, *, access: Access) -> HttpResponse:
    return _export(request, extension="ods")


def _export(request: HttpRequest, *, extension: str) -> HttpResponse:
    release = published_release(release_id=_release_id(request))
    if release is None:
        raise Http404("Aucune statistique publiée.")
    indicator = request.GET.get("indicateur") or None
    if indicator is not None and indicator not in indicators.BY_CODE:
        raise Http404("Indicateur inconnu.")
    name = f"statistiques-{release.period_slug}"
    if indicator:
        name += f"-{indicator}"
    return _table_file(release=release, indicator=indicator, extension=extension, name=name)


def _table_file(
    *, release: Release, indicator: str | None, extension: str, name: str
) -> HttpResponse:
    """A published table (or the whole release) as a download in CSV, XLSX or ODS."""
    if extension == "xlsx":
        body: bytes | str = figures_xlsx(release=release, indicator=indicator)
        content_type = XLSX
    elif extension == "ods":
        body, content_type = figures_ods(release=release, indicator=indicator), ODS
    else:
        body = figures_csv(release=release, indicator=indicator)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


@reads_from_replica
@open_page
def open_data(request: HttpRequest) -> HttpResponse:
    """The latest published release for everyone, without signing in: the figures are those the
    disclosure control published (bands, suppressed cells), the same as the national pages."""
    if getattr(request, "tenant", None) is not None:
        raise Http404  # on the national host only
    release = published_release()
    if release is None:
        return render(request, "national/open_data.html", {"release": None})
    board = dashboard(release=release)
    dp = dp_release_open(release=release)
    return render(
        request,
        "national/open_data.html",
        {
            "release": release,
            "dp": dp,
            **(_dp_tables(dp) if dp else {}),
            "indicators": indicators.MANAGEMENT,
            "france": [(i, board.france.values.get(i.code)) for i in indicators.MANAGEMENT],
            "regions": [
                (row, [row.values.get(i.code) for i in indicators.MANAGEMENT])
                for row in board.regions
            ],
            "page_title": "Données ouvertes",
        },
    )


@reads_from_replica
@open_page
def open_data_csv(request: HttpRequest) -> HttpResponse:
    return _open_data_file(request, extension="csv")


@reads_from_replica
@open_page
def open_data_ods(request: HttpRequest) -> HttpResponse:
    return _open_data_file(request, extension="ods")


def _open_data_file(request: HttpRequest, *, extension: str) -> HttpResponse:
    if getattr(request, "tenant", None) is not None:
        raise Http404
    release = published_release()
    if release is None:
        raise Http404("Aucune statistique publiée.")
    name = f"parcours-donnees-ouvertes-{release.period_slug}"
    return _table_file(release=release, indicator=None, extension=extension, name=name)


def _dp_tables(dp: DpRelease) -> dict[str, object]:
    """The noisy figures the page shows: only the départements' breakdown cells the exact
    release suppresses, each in the place of its "s"; France and the régions are published
    exactly above, so their noisy figures are left to the CSV and the API."""
    return {
        "dp_tables": dp_breakdown_tables(dp=dp),
        "dp_france": dp.level("france"),
        "dp_region": dp.level("region"),
        "dp_departement": dp.level("departement"),
    }
