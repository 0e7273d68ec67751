"""The commission's pages: members and mandates, sessions, the live session screen, the member portal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from frontend.decorators import page
from frontend.form_errors import add_field_errors
from parcours.accounts.models import Role, User
from parcours.accounts.permissions import Access
from parcours.errors import NotInScope, Refused
from parcours.referentiel.models import NomenclatureItem
from parcours.referentiel.selectors import nomenclature_labels
from parcours.validation import parse_int
from tenants.commission import agenda, commands, documents, seats, selectors
from tenants.commission import members as members_services
from tenants.commission import sessions as sessions_services
from tenants.commission.models import (
    AgendaItem,
    Attendance,
    EndReason,
    Member,
    Presence,
    SessionStatus,
    Vote,
    VoteChoice,
)

COORDINATION = {Role.COORDINATOR}
READERS = {Role.COORDINATOR, Role.PREFET, Role.MEMBER}


# The inputs a refusal may point at, as the page names them (never a field's code).
FIELD_LABELS = {
    "urgent": "Urgence",
    "urgent_reason": "Motif de l'urgence",
    "starts_at": "Date et heure",
    "presence": "Présence",
    "proxy_to": "Procuration",
    "choice": "Vote",
    "reason": "Motif",
    "member": "Membre",
    "dossier": "Dossier",
    "title": "Intitulé",
    "action": "Action",
}


def _errors(request: HttpRequest, exc: Refused) -> None:
    for reason in exc.reasons:
        messages.error(request, reason)
    for field, errors in exc.fields.items():
        for error in errors:
            if error not in exc.reasons:
                label = FIELD_LABELS.get(field)
                messages.error(request, f"{label} : {error}" if label else error)


class MemberForm(forms.Form):
    email = forms.EmailField(
        label="Adresse électronique du membre",
        error_messages={"required": "Indiquez l'adresse du membre."},
    )
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    college = forms.ChoiceField(label="Collège")
    titular = forms.ChoiceField(
        label="Suppléant de (laisser vide pour un titulaire)", required=False
    )
    arrete_reference = forms.CharField(label="Référence de l'arrêté de désignation", max_length=100)
    arrete_on = forms.DateField(
        label="Date de l'arrêté", widget=forms.DateInput(attrs={"type": "date"})
    )
    mandate_start = forms.DateField(
        label="Début du mandat", widget=forms.DateInput(attrs={"type": "date"})
    )
    is_chair = forms.BooleanField(label="Préside la commission", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["college"].choices = list(  # type: ignore[attr-defined]
            NomenclatureItem.objects.filter(kind="college", is_active=True).values_list(
                "code", "label"
            )
        )
        # A substitute's titular by name and college, never by codes; only a titular in mandate
        # today can be given a substitute (not one whose mandate has ended).
        titulars = list(
            Member.objects.filter(titular__isnull=True).in_mandate_on(timezone.localdate())
        )
        names = {
            u.pk: u.display_name for u in User.objects.filter(pk__in={m.user_id for m in titulars})
        }
        colleges = nomenclature_labels(kind="college")
        self.fields["titular"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (str(m.pk), f"{names.get(m.user_id, '')} — {colleges.get(m.college, m.college)}")
            for m in titulars
        ]


@page(roles=READERS | {Role.DPO}, national=False)
def members(request: HttpRequest, *, access: Access) -> HttpResponse:
    can_edit = Role.COORDINATOR in access.roles
    form = MemberForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        if form is None:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                members_services.member_designate(
                    access=access,
                    email=data["email"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    college=data["college"],
                    arrete_reference=data["arrete_reference"],
                    arrete_on=data["arrete_on"],
                    mandate_start=data["mandate_start"],
                    titular_id=int(data["titular"]) if data["titular"] else None,
                    is_chair=data["is_chair"],
                )
            except Refused as exc:
                form.add_error(None, " ".join(exc.reasons))
                add_field_errors(form, exc.fields)
            else:
                messages.success(request, "Le membre est désigné.")
                return HttpResponseRedirect(reverse("frontend:commission_members"))
    active = selectors.members_active()
    users = {u.pk: u for u in User.objects.filter(pk__in={m.user_id for m in active})}
    colleges = dict(NomenclatureItem.objects.filter(kind="college").values_list("code", "label"))
    soon = timezone.localdate() + dt.timedelta(days=90)
    rows = [
        {
            "member": m,
            "name": users[m.user_id].display_name,
            "college": colleges.get(m.college, m.college),
            "renewal_due": m.mandate_end <= soon,
        }
        for m in active
    ]
    return render(
        request,
        "commission/members.html",
        {
            "rows": rows,
            "form": form,
            "page_title": "Membres de la commission",
            "composition": selectors.composition(),
            "end_reasons": EndReason.choices,
        },
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="Date et heure",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M"],
        error_messages={"invalid": "Date et heure invalides."},
    )
    place = forms.CharField(label="Lieu", max_length=200, required=False)
    video_link = forms.URLField(
        label="Lien de visioconférence",
        required=False,
        assume_scheme="https",  # a link typed without scheme is a video-conference URL
        error_messages={"invalid": "Adresse invalide."},
    )


@page(roles=READERS, national=False)
def sessions(request: HttpRequest, *, access: Access) -> HttpResponse:
    can_edit = Role.COORDINATOR in access.roles
    form = SessionForm(request.POST or None) if can_edit else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            session = sessions_services.session_schedule(access=access, **form.cleaned_data)
        except Refused as exc:
            form.add_error("starts_at", " ".join(exc.reasons))
        else:
            messages.success(request, "La séance est planifiée : composez son ordre du jour.")
            return HttpResponseRedirect(
                reverse("frontend:commission_session", kwargs={"pk": session.pk})
            )
    return render(
        request,
        "commission/sessions.html",
        {"sessions": selectors.sessions_for(access=access), "form": form, "page_title": "Séances"},
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


@page(roles=READERS, national=False)
def session_detail(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    session = selectors.session_for(access=access, pk=pk)
    if session is None:
        raise Http404
    is_coordinator = Role.COORDINATOR in access.roles
    # Members in mandate, attendance and conflicts read once, for the quorum and the votes alike.
    state = seats.session_state(session=session)
    active = list(state.members.values())
    users = {u.pk: u for u in User.objects.filter(pk__in={m.user_id for m in active})}
    attendance = state.attendance
    items = []
    agenda = selectors.agenda_read(access=access, session=session)
    current = selectors.item_taking_votes(session=session, items=[row["item"] for row in agenda])
    # Only the item taking the votes shows them (its voters' sheet); a closed item shows its
    # tally, kept on the item. A session of twenty items read 300 votes for nothing.
    votes = (
        {vote.member_id: vote for vote in Vote.objects.filter(item=current)}
        if current is not None
        else {}
    )
    for row in agenda:
        item: AgendaItem = row["item"]
        is_current = current is not None and item.pk == current.pk
        row["current"] = is_current
        allowed = seats.voters(item=item, state=state) if is_current else {}
        row["voters"] = [
            {
                "member": m,
                "name": users[m.user_id].display_name,
                "vote": votes.get(m.pk),
                "by_proxy": allowed[m.pk].by_proxy,
                "cast_by": users[state.members[allowed[m.pk].cast_by].user_id].display_name,
            }
            for m in active
            if m.pk in allowed
        ]
        # Who takes no part, and why (a declared interest, the association of the file…):
        # the vote sheet lists them without a choice, so nobody is asked twice.
        row["not_voting"] = (
            [
                {"name": users[m.user_id].display_name, "why": why}
                for m in active
                if (why := seats.excluded(item, m, state)) is not None
            ]
            if is_current
            else []
        )
        items.append(row)
    now = timezone.now()
    colleges = state.college_labels
    seat_names = [(m.pk, users[m.user_id].display_name) for m in active]
    return render(
        request,
        "commission/session.html",
        {
            "session": session,
            "items": items,
            "quorum": seats.quorum(session=session, state=state),
            "members": [
                {
                    "member": m,
                    "name": users[m.user_id].display_name,
                    "college": colleges.get(m.college, m.college),
                    "attendance": attendance.get(m.pk),
                    "proxy_name": _proxy_name(attendance.get(m.pk), state, users),
                }
                for m in active
            ],
            # (value, label) of each seat, for the proxy and interest selects ({% options %}).
            "member_choices": [(pk, f"à {name}") for pk, name in seat_names],
            "interest_choices": seat_names,
            "is_coordinator": is_coordinator,
            # Only what the session's state allows is offered (the domain refuses the rest too).
            "may_open": session.may_open(now),
            "takes_attendance": session.takes_attendance(),
            "notice": (
                selectors.convocation_notice(session=session, now=now)
                if is_coordinator and session.status == SessionStatus.PLANNED
                else None
            ),
            "presences": Presence.choices,
            "choices": VoteChoice.choices,
            "complete_files": selectors.files_to_schedule() if is_coordinator else [],
            "page_title": str(session),
        },
    )


def _proxy_name(
    attendance: Attendance | None, state: seats.SessionState, users: dict[int, User]
) -> str:
    holder = state.members.get(attendance.proxy_to_id or 0) if attendance else None
    return users[holder.user_id].display_name if holder is not None else ""


@page(roles=COORDINATION, national=False)
@require_POST
def session_action(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    # The same command table as the API (tenants/commission/commands.py); an item of another
    # session is a 404 (NotInScope, translated by @page).
    try:
        done = commands.session_act(
            access=access,
            session_id=pk,
            action=request.POST.get("action", ""),
            data=request.POST,
        )
    except Refused as exc:
        # Back to the top, where the refusal is read (it names the line of a sheet).
        _errors(request, exc)
        return HttpResponseRedirect(reverse("frontend:commission_session", kwargs={"pk": pk}))
    messages.success(request, done.message)
    # Back to the section just recorded, not to the top of a long page.
    url = reverse("frontend:commission_session", kwargs={"pk": done.session_id})
    return HttpResponseRedirect(f"{url}#{done.anchor}" if done.anchor else url)


@page(roles=COORDINATION, national=False)
@require_POST
def schedule_file(request: HttpRequest, dossier_pk: int, *, access: Access) -> HttpResponse:
    """From the file's page: put it on the agenda of the session chosen in the list."""
    session = request.POST.get("session", "")
    if not selectors.file_exists(dossier_id=dossier_pk):
        raise Http404  # the file of the address: unknown here
    try:
        agenda.agenda_add_file(
            access=access,
            session_id=parse_int(session, default=0),
            dossier_id=dossier_pk,
        )
    except NotInScope:
        # The session is a choice of the form, not the address: a stale or forged choice.
        messages.error(request, "Choisissez une séance de la liste.")
    except Refused as exc:
        _errors(request, exc)
    else:
        messages.success(request, "Le dossier est inscrit à l'ordre du jour de la séance.")
    return HttpResponseRedirect(reverse("frontend:dossier", kwargs={"pk": dossier_pk}))


@page(roles=READERS, national=False)
def session_minutes(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    """The minutes of a closed session, as a PDF (also e-mailed to every member when it closes):
    for the coordination, the préfet and the members who were convened to it."""
    document = documents.session_document(access=access, session_id=pk, kind="minutes")
    if document is None:
        raise Http404
    return _pdf_response(document)


@page(roles=READERS, national=False)
def session_convocation(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    """The convocation of a convened session, as the members received it by e-mail (PDF):
    what a member opens from the session's page on the day."""
    document = documents.session_document(access=access, session_id=pk, kind="convocation")
    if document is None:
        raise Http404
    return _pdf_response(document)


def _pdf_response(document: documents.Document) -> HttpResponse:
    response = HttpResponse(document.content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response


@page(roles=COORDINATION, national=False)
@require_POST
def college_setting(request: HttpRequest, *, access: Access) -> HttpResponse:
    seats = request.POST.get("titular_seats", "")
    try:
        members_services.college_setting_save(
            access=access,
            college=request.POST.get("college", ""),
            titular_seats=parse_int(seats),
            may_see_health=request.POST.get("may_see_health") == "on",
        )
    except Refused as exc:
        _errors(request, exc)
    else:
        messages.success(request, "La composition du collège est enregistrée.")
    return HttpResponseRedirect(reverse("frontend:commission_members"))


@page(roles=COORDINATION, national=False)
@require_POST
def member_end(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    """End a mandate early; the replacement, if named, takes the seat for the rest of it."""
    post = request.POST
    try:
        ended_on = dt.date.fromisoformat(post.get("ended_on", ""))
        replacement = None
        if post.get("email"):
            replacement = members_services.Replacement(
                email=post.get("email", ""),
                first_name=post.get("first_name", ""),
                last_name=post.get("last_name", ""),
                arrete_reference=post.get("arrete_reference", ""),
                arrete_on=dt.date.fromisoformat(post.get("arrete_on", "")),
            )
        successor = members_services.member_end_mandate(
            access=access,
            member_id=pk,
            ended_on=ended_on,
            reason=post.get("reason", ""),
            replacement=replacement,
        )
    except Refused as exc:
        _errors(request, exc)
    except ValueError:
        messages.error(request, "Indiquez des dates valides (fin du mandat, arrêté du remplaçant).")
    else:
        messages.success(
            request,
            "Le mandat prend fin"
            + (" ; le remplaçant siège pour la durée restante." if successor else "."),
        )
    return HttpResponseRedirect(reverse("frontend:commission_members"))


@page(roles=COORDINATION, national=False)
@require_POST
def member_arrete(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    upload = request.FILES.get("file")
    try:
        members_services.member_arrete_attach(
            access=access, member_id=pk, data=upload.read() if upload else b""
        )
    except Refused as exc:
        _errors(request, exc)
    else:
        messages.success(request, "L'arrêté est joint.")
    return HttpResponseRedirect(reverse("frontend:commission_members"))


@page(roles=READERS | {Role.DPO}, national=False)
def member_arrete_download(request: HttpRequest, pk: int, *, access: Access) -> HttpResponse:
    document = documents.member_arrete(access=access, member_id=pk)
    if document is None:
        raise Http404
    return _pdf_response(document)
