"""Departmental steering: strategy, prevention and buyer-side figures, annual activity report."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from frontend.decorators import page
from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.audit.services import audit_read
from parcours.errors import NotInScope, Refused
from parcours.storage import read_bytes
from parcours.validation import parse_int
from tenants.pilotage import services
from tenants.pilotage.models import ActionStatus, ActivityReport, PeriodFigures, StrategyAxis
from tenants.pilotage.selectors import activity_reports_under_way
from tenants.statistics.selectors import departement_beside_published

READERS = {Role.COORDINATOR, Role.PREFET, Role.MEMBER}


@page(roles=READERS, national=False)
def overview(request: HttpRequest, *, access: Access) -> HttpResponse:
    return render(
        request,
        "pilotage/overview.html",
        {
            "axes": StrategyAxis.objects.prefetch_related("actions").order_by("position"),
            "figures": PeriodFigures.objects.all(),
            "reports": ActivityReport.objects.all()[:10],
            # The page follows the reports being built by itself (parcours-progress.js).
            "reports_under_way": activity_reports_under_way(),
            "can_edit": Role.COORDINATOR in access.roles,
            "can_report": access.has_any({Role.COORDINATOR, Role.PREFET}),
            "statuses": ActionStatus.choices,
            "fields": [
                (name, getattr(PeriodFigures._meta.get_field(name), "verbose_name", name))
                for name in services.FIGURES
            ],
            "this_year": timezone.localdate().year,
            "page_title": "Pilotage départemental",
        },
    )


@page(roles={Role.COORDINATOR, Role.PREFET}, national=False)
@require_POST
def action(request: HttpRequest, *, access: Access) -> HttpResponse:
    post = request.POST
    kind = post.get("kind", "")
    try:
        if kind == "axis":
            services.axis_create(
                access=access,
                title=post.get("title", ""),
                first_year=parse_int(post.get("first_year", "")),
                last_year=parse_int(post.get("last_year", "")),
            )
        elif kind == "action":
            action_id = post.get("action_id") or None
            services.action_save(
                access=access,
                axis_id=parse_int(post.get("axis", "")),
                action_id=parse_int(action_id) if action_id else None,
                data={
                    k: post.get(k, "")
                    for k in ("title", "owner", "indicator", "target", "achieved", "status")
                },
            )
        elif kind == "figures":
            services.figures_record(
                access=access,
                year=parse_int(post.get("year", "")),
                values={k: parse_int(post.get(k, "0") or "0") for k in services.FIGURES},
            )
        elif kind == "report":
            services.activity_report_request(access=access, year=parse_int(post.get("year", "")))
            messages.info(
                request,
                "Le rapport est en cours de préparation : il apparaîtra dans la liste dans un instant.",
            )
            return HttpResponseRedirect(reverse("frontend:pilotage"))
        else:
            messages.error(request, "Action inconnue.")
            return HttpResponseRedirect(reverse("frontend:pilotage"))
    except Refused as exc:
        for reason in exc.reasons:
            messages.error(request, reason)
        for field, errors in exc.fields.items():
            for error in errors:
                messages.error(request, f"{field} : {error}")
    except NotInScope as exc:
        # Here the axis comes from the form's list, not from the address: an unknown axis is
        # the form's error (the API, where it is in the address, answers 404).
        for reason in exc.reasons:
            messages.error(request, reason)
    else:
        messages.success(request, "Enregistré.")
    return HttpResponseRedirect(reverse("frontend:pilotage"))


@page(roles={Role.COORDINATOR, Role.PREFET}, national=False)
def report_download(request: HttpRequest, pk: int, *, access: Access) -> HttpResponseBase:
    report = ActivityReport.objects.filter(pk=pk).first()
    if report is None:
        raise Http404
    audit_read(
        action="pilotage.report_read",
        actor_id=access.user_id,
        object_type="report",
        object_id=report.pk,
    )
    return FileResponse(
        io.BytesIO(read_bytes(report.storage_name)),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"rapport-activite-{report.year}.pdf",
    )


@page(roles={Role.COORDINATOR, Role.PREFET}, national=False)
def statistics(request: HttpRequest, *, access: Access) -> HttpResponse:
    """The département's exact figures beside the published départemental, régional and
    national ones of the latest release."""
    tenant = access.tenant
    assert tenant is not None
    view = departement_beside_published(code=tenant.code)
    return render(
        request,
        "pilotage/statistics.html",
        {"view": view, "page_title": "Nos chiffres et les chiffres publiés"},
    )
