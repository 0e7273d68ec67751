"""Pages of case work: queues, a person's file with its timeline, forms of each step."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from frontend.decorators import page
from frontend.views.casework_decision import (
    decision_confirm,
    next_steps,
    state_tone,
    states_to_act_in,
)
from frontend.views.casework_forms import (
    ActionForm,
    AvisForm,
    EvaluationForm,
    PersonForm,
    ProjectForm,
    UploadForm,
    extra_form_class,
    transition_form_class,
)
from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from parcours.errors import Refused
from parcours.french import french_date
from parcours.referentiel.models import NomenclatureItem
from parcours.storage import read_bytes
from parcours.workflows.services import current_template
from tenants.casework import selectors, services
from tenants.casework.letters import decision_preview
from tenants.casework.models import (
    Avis,
    DossierKind,
    NeedsDomain,
    NotificationChannel,
    RightStatus,
)
from tenants.casework.rights import AFIS_CHECKLIST, rights_panel
from tenants.commission import selectors as commission_selectors

CASE = selectors.CASE_ROLES
WORKER = {Role.ASSOCIATION_WORKER}
# The file list's filter value that shows closed files too (by default: the open ones).
ALL_STATES = "tous"


def show_refusal(request: HttpRequest, form: forms.Form | None, exc: Refused) -> None:
    for reason in exc.reasons:
        if form is None or not any(f in form.fields for f in exc.fields):
            messages.error(request, reason)
    if form is not None:
        for field, errors in exc.fields.items():
            if field in form.fields:
                for error in errors:
                    form.add_error(field, error)


def dossier_or_404(access: Access, pk: int) -> Any:
    try:
        return selectors.dossier_get(access=access, pk=pk)
    except selectors.NotInScope as exc:
        raise Http404 from exc


@page(roles=CASE, national=False)
def dossier_list(request: HttpRequest, *, access: Access) -> HttpResponse:
    dossiers = selectors.dossiers_visible(access=access)
    state = request.GET.get("etat", "")
    template = current_template(code="psp")
    if not state and access.roles == {Role.PREFET}:
        # The préfet's queue: the files waiting for a decision.
        state = min(template.workflow.awaiting_decision_states)
    if state == ALL_STATES:
        pass
    elif state:
        dossiers = dossiers.filter(state=state)
    else:
        dossiers = selectors.dossiers_open(dossiers)
    query = request.GET.get("q", "").strip()
    if query:
        dossiers = dossiers.filter(
            selectors.person_search(access=access, text=query, path="person__")
        )
    order = request.GET.get("tri", "")
    deciding = access.roles == {Role.PREFET}
    if order == "attente":
        dossiers = dossiers.order_by("submitted_at", "id")
    elif order == "recents":
        pass
    elif deciding:
        dossiers = selectors.decisions_oldest_first(dossiers)
    else:
        dossiers = selectors.dossiers_by_due(dossiers)
    page_obj = Paginator(selectors.dossier_rows(dossiers), 50).get_page(request.GET.get("page"))
    rows = _list_rows(
        selectors.rows_of(page_obj.object_list),
        roles=frozenset(role.value for role in access.roles),
    )
    workflow_states = {
        code: state["label"] for code, state in template.definition["states"].items()
    }
    return render(
        request,
        "casework/list.html",
        {
            "rows": rows,
            "page_obj": page_obj,
            "state": state,
            "q": query,
            "order": order,
            "states": workflow_states,
            "can_create": Role.ASSOCIATION_WORKER in access.roles,
            "deciding": deciding,
            "page_title": "Dossiers",
        },
    )


def _list_rows(
    dossiers: list[selectors.DossierRow], *, roles: frozenset[str]
) -> list[dict[str, Any]]:
    """The list's rows as the page prints them: a queue renders 50 at a time on every visit,
    so each value is worked out here once rather than looked up and filtered in the template
    (a URL reversed per row, a label through three attributes)."""
    # "/dossiers/{}/": reversed once, each row's number put in its place.
    marker = 987654321
    link = reverse("frontend:dossier", kwargs={"pk": marker}).replace(str(marker), "{}")
    to_act: dict[int, frozenset[str]] = {}  # per workflow variant
    kinds, avis = dict(DossierKind.choices), dict(Avis.choices)  # not get_FOO_display per row
    rows = []
    for d in dossiers:
        if d.workflow_variant_id not in to_act:
            to_act[d.workflow_variant_id] = states_to_act_in(d.workflow, roles)
        days = d.processing_days()
        rows.append(
            {
                "url": link.format(d.pk),
                "pseudonym": d.pseudonym,
                "request": f"{kinds.get(d.kind, d.kind)} n° {d.number}",
                "state_label": d.state_label,
                "tone": state_tone(d, acting=d.state in to_act[d.workflow_variant_id]),
                "deposited": french_date(d.submitted_at) if d.submitted_at else "—",
                "days": "—" if days is None else str(days),
                "session": french_date(d.session_on) if d.session_on else "—",
                "avis": (
                    f"{avis.get(d.commission_avis, d.commission_avis)}, "
                    f"le {french_date(d.commission_avis_on)}"
                    if d.commission_avis and d.commission_avis_on
                    else "—"
                ),
            }
        )
    return rows


@page(roles=WORKER, national=False)
def person_new(request: HttpRequest, *, access: Access) -> HttpResponse:
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        identity = {k: str(data.get(k) or "") for k in services.IDENTITY_KEYS if k in data}
        try:
            person = services.person_create(
                access=access,
                identity=identity,
                children_count=data["children_count"] or 0,
                languages=[],
            )
            dossier = services.dossier_create(
                access=access, person_id=person.pk, kind=DossierKind.FIRST_REQUEST
            )
        except Refused as exc:
            show_refusal(request, form, exc)
        else:
            messages.success(
                request, f"{person.pseudonym} enregistré·e ; la première demande est ouverte."
            )
            return HttpResponseRedirect(reverse("frontend:dossier", kwargs={"pk": dossier.pk}))
    return render(
        request,
        "casework/person_new.html",
        {"form": form, "page_title": "Nouvelle personne"},
        status=400 if form.is_bound and form.errors else 200,
    )


@page(roles=CASE, national=False)
def dossier_detail(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    dossier = dossier_or_404(access, pk)
    workflow = dossier.workflow
    overview = selectors.file_overview(access=access, dossier=dossier)
    forms_by_name = {
        t["name"]: transition_form_class(workflow.transitions[t["name"]].form)(prefix=t["name"])
        for t in overview.transitions
    }
    status = 200
    if request.method == "POST":
        name = request.POST.get("transition", "")
        if name not in forms_by_name:
            messages.error(request, "Cette action n'est pas disponible pour vous sur ce dossier.")
            return HttpResponseRedirect(request.path)
        form = transition_form_class(workflow.transitions[name].form)(request.POST, prefix=name)
        forms_by_name[name] = form
        status = 400
        if request.POST.get("edit") == "1":
            status = 200  # back from the letter's preview: the inputs, kept, to change
        elif form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "", [])}
            comment = data.pop("comment", "")
            data = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}
            try:
                if workflow.transitions[name].decision and request.POST.get("confirm") != "1":
                    # The préfet reads the letter the decision will produce, then signs it.
                    letter = decision_preview(
                        access=access, dossier=dossier, transition=name, data=data, comment=comment
                    )
                    return decision_confirm(
                        request, dossier=dossier, name=name, form=form, letter=letter
                    )
                services.dossier_transition(
                    access=access,
                    dossier_id=dossier.pk,
                    request=services.TransitionRequest(
                        name=name,
                        data=data,
                        comment=comment,
                        expected_state=request.POST.get("expected_state") or None,
                    ),
                )
            except Refused as exc:
                show_refusal(request, form, exc)
                status = 409 if isinstance(exc, services.TransitionConflict) else 400
            else:
                messages.success(request, f"« {workflow.transitions[name].label} » : c'est fait.")
                return HttpResponseRedirect(request.path)
    upload = UploadForm()
    upload.fields["doc_type"].choices = [(d.code, d.label) for d in workflow.documents]  # type: ignore[attr-defined]
    evaluations = {e.domain: e for e in dossier.evaluations.all()}
    identity = selectors.person_identity(access=access, person=dossier.person)
    steps = next_steps(workflow, overview.transitions, forms_by_name)
    rights = rights_panel(person=dossier.person)
    periods = list(dossier.pathway.periods.all())
    project = getattr(dossier, "project", None)
    context = {
        "dossier": dossier,
        "overview": overview,
        "state_label": overview.state_label,
        "identity": identity,
        "sex_label": services.SEXES.get(str((identity or {}).get("sex") or ""), ""),
        "schedulable_sessions": commission_selectors.sessions_for_scheduling()
        if overview.schedulable
        else [],
        "transitions": steps,
        # Withdrawing is always offered to the association: it is not a turn to act.
        "state_tone": state_tone(
            dossier, acting=overview.schedulable or any(step["main"] for step in steps)
        ),
        # Rights are followed once the pathway is authorised; any already recorded stay shown.
        "rights_followed": bool(periods) or any(row["right"] is not None for row in rights),
        "timeline": overview.timeline,
        "documents": overview.documents,
        "required": overview.required,
        "evaluations": [{"domain": d, "evaluation": evaluations.get(d.value)} for d in NeedsDomain],
        "project": project,
        "actions": list(project.actions.all()) if project is not None else [],
        "periods": periods,
        "pathway": dossier.pathway,
        "processing_days": overview.processing_days,
        "is_worker": Role.ASSOCIATION_WORKER in access.roles,
        "editable": overview.editable,
        "upload": upload,
        "can_renew": overview.can_renew,
        "can_end_early": overview.can_end_early,
        "can_exit": overview.can_exit,
        "exit_outcomes": NomenclatureItem.objects.filter(kind="exit_outcome", is_active=True),
        "rights": rights,
        "extra_fields": overview.extra_fields,
        "afis_checklist": AFIS_CHECKLIST.items(),
        "can_edit_rights": access.has_any({Role.COORDINATOR, Role.ASSOCIATION_WORKER}),
        "right_statuses": RightStatus.choices,
        "can_notify": overview.can_notify,
        "channels": NotificationChannel.choices,
        "appeal_deadline": overview.appeal_deadline,
        "reminders": overview.reminders,
        "page_title": f"Dossier {dossier.person.pseudonym}",
    }
    return render(request, "casework/dossier.html", context, status=status)


@page(roles=WORKER, national=False)
@require_POST
def document_upload(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choisissez un fichier.")
    elif upload.size and upload.size > 10 * 1024 * 1024:
        messages.error(request, "Le fichier dépasse la taille maximale de 10 Mo.")
    else:
        try:
            services.document_upload(
                access=access,
                dossier_id=pk,
                doc_type=request.POST.get("doc_type", ""),
                data=upload.read(),
            )
        except Refused as exc:
            show_refusal(request, None, exc)
        except selectors.NotInScope as exc:
            raise Http404 from exc
        else:
            messages.success(request, "La pièce a été ajoutée.")
    return HttpResponseRedirect(reverse("frontend:dossier", kwargs={"pk": pk}))


@page(roles=CASE, national=False)
def document_download(request: HttpRequest, pk: int, *, access: Access) -> HttpResponseBase:
    document = selectors.document_get(access=access, pk=pk)
    return FileResponse(
        io.BytesIO(read_bytes(document.storage_name)),
        content_type=document.content_type,
        as_attachment=True,
        filename=selectors.document_filename(document),
    )


@page(roles=WORKER, national=False)
def evaluation_edit(request: HttpRequest, pk: int, domain: str, *, access: Access) -> HttpResponse:
    dossier = dossier_or_404(access, pk)
    if domain not in NeedsDomain.values:
        raise Http404
    form = EvaluationForm(request.POST or None, initial={"evaluated_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        items = [
            {"code": f"need_{i}", "label": line.strip(), "need": True}
            for i, line in enumerate(data["needs"].splitlines())
            if line.strip()
        ]
        try:
            services.evaluation_record(
                access=access,
                dossier_id=dossier.pk,
                domain=domain,
                items=items,
                notes=data["notes"],
                evaluated_on=data["evaluated_on"],
                sign_off=data["sign_off"],
            )
        except Refused as exc:
            show_refusal(request, form, exc)
        else:
            messages.success(request, "L'évaluation a été enregistrée.")
            return HttpResponseRedirect(reverse("frontend:dossier", kwargs={"pk": dossier.pk}))
    return render(
        request,
        "casework/step_form.html",
        {
            "form": form,
            "dossier": dossier,
            "title": f"Évaluation des besoins — {NeedsDomain(domain).label}",
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@page(roles=WORKER, national=False)
def project_edit(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    dossier = dossier_or_404(access, pk)
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        keys = {
            "housing": "logement",
            "care": "soins",
            "rights": "acces_droits",
            "social": "insertion_sociale",
            "professional": "insertion_professionnelle",
        }
        goals = {
            keys[k]: [line.strip() for line in data[k].splitlines() if line.strip()]
            for k in keys
            if data[k]
        }
        try:
            services.project_record(
                access=access,
                dossier_id=dossier.pk,
                goals=goals,
                commitments=data["commitments"],
                signed_on=data["signed_on"],
            )
        except Refused as exc:
            show_refusal(request, form, exc)
        else:
            messages.success(request, "Le projet d'insertion a été enregistré.")
            return HttpResponseRedirect(reverse("frontend:dossier", kwargs={"pk": dossier.pk}))
    return render(
        request,
        "casework/step_form.html",
        {"form": form, "dossier": dossier, "title": "Projet d'insertion"},
        status=400 if form.is_bound and form.errors else 200,
    )


@page(roles=WORKER, national=False)
def avis_edit(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    dossier = dossier_or_404(access, pk)
    form = AvisForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.association_avis_record(
                access=access, dossier_id=dossier.pk, **form.cleaned_data
            )
        except Refused as exc:
            show_refusal(request, form, exc)
        else:
            messages.success(request, "L'avis de l'association a été enregistré.")
            return HttpResponseRedirect(reverse("frontend:dossier", kwargs={"pk": dossier.pk}))
    return render(
        request,
        "casework/step_form.html",
        {"form": form, "dossier": dossier, "title": "Avis de l'association"},
        status=400 if form.is_bound and form.errors else 200,
    )


@page(roles=WORKER, national=False)
def extra_edit(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    dossier = dossier_or_404(access, pk)
    schema = dossier.workflow_variant.workflow.extra_fields
    if not schema or not schema.get("properties"):
        raise Http404
    form = extra_form_class(schema)(request.POST or None, initial=dossier.extra)
    if request.method == "POST" and form.is_valid():
        values = {
            k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in form.cleaned_data.items()
            if v not in (None, "")
        }
        try:
            services.dossier_extra_record(access=access, dossier_id=dossier.pk, values=values)
        except Refused as exc:
            show_refusal(request, form, exc)
        else:
            messages.success(request, "Les champs complémentaires sont enregistrés.")
            return HttpResponseRedirect(reverse("frontend:dossier", kwargs={"pk": dossier.pk}))
    return render(
        request,
        "casework/step_form.html",
        {"form": form, "dossier": dossier, "title": "Champs complémentaires du département"},
        status=400 if form.is_bound and form.errors else 200,
    )


@page(roles=WORKER, national=False)
def action_edit(
    request: HttpRequest, pk: int, action_id: int | None = None, *, access: Access
) -> HttpResponse:
    dossier = dossier_or_404(access, pk)
    action = None
    if action_id is not None:
        project = getattr(dossier, "project", None)
        action = project.actions.filter(pk=action_id).first() if project else None
        if action is None:
            raise Http404
    initial = (
        {
            "domain": action.domain,
            "description": action.description,
            "partner": action.partner,
            "due_on": action.due_on,
            "status": action.status,
        }
        if action
        else {}
    )
    form = ActionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_action_save(
                access=access, dossier_id=dossier.pk, action_id=action_id, **form.cleaned_data
            )
        except Refused as exc:
            show_refusal(request, form, exc)
        else:
            messages.success(request, "L'action du projet est enregistrée.")
            return HttpResponseRedirect(
                reverse("frontend:dossier", kwargs={"pk": dossier.pk}) + "#projet"
            )
    return render(
        request,
        "casework/step_form.html",
        {"form": form, "dossier": dossier, "title": "Action du projet d'insertion"},
        status=400 if form.is_bound and form.errors else 200,
    )
