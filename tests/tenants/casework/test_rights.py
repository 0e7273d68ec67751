"""tenants/casework/rights.py: rights followed for a person, the AFIS above all.

The AFIS (R.121-12-13-1) is granted only once its five conditions are checked; its amount is
dated reference data (330 € + 102 € per child from 2017, 343.20 € + 106.08 € since July 2022,
165 € in Mayotte), computed from the person's children on the day it is granted.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from parcours.accounts.models import Role, User
from parcours.accounts.permissions import Access
from parcours.accounts.services import membership_grant
from parcours.associations.models import Association
from parcours.audit.models import AuditEvent
from parcours.departements.models import Tenant
from parcours.workflows.services import current_template, workflow_variant_save
from tenants.casework.models import Dossier, PathwayStatus, Person, Right, RightStatus
from tenants.casework.rights import AFIS_CHECKLIST, afis_amount, afis_transmit_to_msa, right_update
from tenants.casework.selectors import NotInScope
from tenants.casework.services import CaseworkError, pathway_end_early, person_create
from tests.conftest import PASSWORD, People
from tests.tenants.casework.conftest import prepare
from tests.tenants.casework.test_pathway import through_commission_and_decision

In31 = Callable[[str], Access]
ALL_CHECKED = dict.fromkeys(AFIS_CHECKLIST, True)
REASON = "Engagements du parcours non tenus depuis deux mois."


def association_b_worker_in_31() -> User:
    """A worker of association B (approved in 31 too), reachable as role 'association_worker_b'."""
    email = People.email("association_worker_b", "31")
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password=PASSWORD, first_name="Intervenante", last_name="B"
    )
    # She reads identities: her authenticator application, as every such agent has one.
    TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "Téléphone"})
    membership_grant(
        user=user,
        role=Role.ASSOCIATION_WORKER,
        tenant=Tenant.objects.get(code="31"),
        association=Association.objects.get(rna="W753000099"),
        actor_id=None,
    )
    return user


def a_person(worker: Access, *, children: int = 2) -> Person:
    return person_create(
        access=worker,
        identity={"first_name": "Amina", "last_name": "Testeuse", "birth_date": "1990-05-04"},
        children_count=children,
        languages=["fr"],
    )


def move(access: Access, person: Person, right_type: str, status: str, on: dt.date, **kw):  # type: ignore[no-untyped-def]
    return right_update(
        access=access, person_id=person.pk, right_type=right_type, status=status, on=on, **kw
    )


# --- The AFIS amount: dated reference data ---------------------------------------------------


@pytest.mark.parametrize(
    ("on", "children", "territory", "monthly"),
    [
        (dt.date(2020, 1, 1), 0, "31", Decimal("330.00")),
        (dt.date(2020, 1, 1), 2, "31", Decimal("534.00")),
        (dt.date(2022, 6, 30), 1, "31", Decimal("432.00")),  # the day before the revaluation
        (dt.date(2022, 7, 1), 1, "31", Decimal("449.28")),  # the revaluation's first day
        (dt.date(2023, 1, 1), 1, "31", Decimal("449.28")),
        (dt.date(2023, 1, 1), 3, "75", Decimal("661.44")),
    ],
)
def test_the_afis_amount_is_the_dated_base_plus_the_dated_supplement_per_child(
    db: None, base: None, on: dt.date, children: int, territory: str, monthly: Decimal
) -> None:
    amount = afis_amount(children=children, on=on, territory=territory)

    assert amount.monthly == monthly
    assert amount.monthly == amount.base + amount.per_child * children
    assert (amount.children, amount.on) == (children, on)


def test_mayotte_has_its_own_afis_base(db: None, base: None) -> None:
    amount = afis_amount(children=1, on=dt.date(2020, 1, 1), territory="976")

    assert amount.base == Decimal("165.00")
    # Mayotte's own per-child amount is not in the reference data (legal_parameters.csv has no
    # afis_child_supplement row for 976): the national supplement applies by fallback.
    assert amount.per_child == Decimal("102.00")
    assert amount.monthly == Decimal("267.00")


# --- A right's lifecycle ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["association_worker", "coordinator"])
def test_a_right_goes_from_requested_to_granted_to_ended(in31: In31, who: str) -> None:
    person = a_person(in31("association_worker"))
    access = in31(who)
    today = timezone.localdate()

    requested = move(access, person, "logement", "requested", today - dt.timedelta(days=20))
    granted = move(access, person, "logement", "granted", today - dt.timedelta(days=10))
    ended = move(access, person, "logement", "ended", today)

    assert requested.requested_on == today - dt.timedelta(days=20)
    assert granted.granted_on == today - dt.timedelta(days=10)
    assert (ended.status, ended.ends_on) == (RightStatus.ENDED, today)
    assert Right.objects.filter(person=person).count() == 1  # one row, moved along
    moves = AuditEvent.objects.filter(action="right.updated", object_id=str(person.pk))
    assert [(e.data["from"], e.data["to"]) for e in moves.order_by("id")] == [
        ("todo", "requested"),
        ("requested", "granted"),
        ("granted", "ended"),
    ]


@pytest.mark.parametrize(
    ("steps", "refused"),
    [
        ([], "granted"),
        ([], "ended"),
        ([], "refused"),
        (["requested"], "ended"),
        (["requested", "granted"], "requested"),
        (["requested", "granted"], "todo"),
        (["requested", "refused"], "granted"),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, list) else value,
)
def test_a_right_cannot_skip_a_step(in31: In31, steps: list[str], refused: str) -> None:
    worker = in31("association_worker")
    person = a_person(worker)
    on = timezone.localdate() - dt.timedelta(days=5)
    for status in steps:
        move(worker, person, "logement", status, on)
    audited = AuditEvent.objects.filter(action="right.updated").count()

    with pytest.raises(CaseworkError, match="ne peut pas passer") as refusal:
        move(worker, person, "logement", refused, on)

    assert refusal.value.fields == {"status": ["Étape impossible depuis l'état actuel."]}
    current = Right.objects.filter(person=person).first()
    assert (current.status if current else "todo") == (steps[-1] if steps else "todo")
    assert AuditEvent.objects.filter(action="right.updated").count() == audited


def test_a_refused_first_step_writes_nothing(in31: In31) -> None:
    worker = in31("association_worker")
    person = a_person(worker)

    with pytest.raises(CaseworkError, match="« À faire » ne peut pas passer à « Obtenu »"):
        move(worker, person, "aps", "granted", timezone.localdate())

    assert not Right.objects.filter(person=person).exists()


def test_a_refused_right_can_be_requested_again(in31: In31) -> None:
    worker = in31("association_worker")
    person = a_person(worker)
    today = timezone.localdate()
    move(worker, person, "hebergement", "requested", today - dt.timedelta(days=9))
    move(worker, person, "hebergement", "refused", today - dt.timedelta(days=5))

    again = move(worker, person, "hebergement", "requested", today)

    assert (again.status, again.requested_on) == (RightStatus.REQUESTED, today)
    assert again.refused_on == today - dt.timedelta(days=5)  # the refusal stays on record


# --- The AFIS: eligibility checklist, then the amount -----------------------------------------


def test_the_afis_is_granted_only_once_its_five_conditions_are_checked(in31: In31) -> None:
    worker = in31("association_worker")
    person = a_person(worker, children=2)
    move(worker, person, "afis", "requested", dt.date(2023, 2, 1))
    codes = list(AFIS_CHECKLIST)

    for checked in range(len(codes)):
        checklist = {code: index < checked for index, code in enumerate(codes)}
        with pytest.raises(CaseworkError, match=r"R\.121-12-13-1") as refusal:
            move(
                worker,
                person,
                "afis",
                "granted",
                dt.date(2023, 3, 1),
                details={"checklist": checklist},
            )
        missing = [AFIS_CHECKLIST[code] for code in codes[checked:]]
        assert refusal.value.fields == {"checklist": missing}
        for label in missing:
            assert label in refusal.value.reasons[0]
        for code in codes[:checked]:
            assert AFIS_CHECKLIST[code] not in refusal.value.reasons[0]
        assert Right.objects.get(person=person, right_type="afis").status == "requested"

    granted = move(
        worker, person, "afis", "granted", dt.date(2023, 3, 1), details={"checklist": ALL_CHECKED}
    )

    assert granted.status == RightStatus.GRANTED
    # 343.20 € + 2 × 106.08 €: the amounts in force on the day it was granted.
    assert granted.details["monthly_amount"] == "555.36"
    assert granted.details["amount_basis"] == {
        "base": "343.20",
        "per_child": "106.08",
        "children": 2,
        "on": "2023-03-01",
    }
    assert granted.details["checklist"] == ALL_CHECKED


def test_the_afis_checklist_recorded_with_the_request_counts_at_the_grant(in31: In31) -> None:
    worker = in31("association_worker")
    person = a_person(worker, children=0)
    move(
        worker, person, "afis", "requested", dt.date(2020, 1, 2), details={"checklist": ALL_CHECKED}
    )

    granted = move(worker, person, "afis", "granted", dt.date(2020, 2, 3))

    assert granted.details["monthly_amount"] == "330.00"


@pytest.mark.parametrize(
    ("target", "on"),
    [
        ("granted", dt.date(2023, 1, 15)),
        pytest.param(
            "refused",
            dt.date(2023, 1, 15),
        ),
    ],
)
def test_an_answer_cannot_precede_the_request(in31: In31, target: str, on: dt.date) -> None:
    worker = in31("association_worker")
    person = a_person(worker)
    move(worker, person, "aps", "requested", dt.date(2023, 2, 1))

    with pytest.raises(CaseworkError, match="précéder la demande"):
        move(worker, person, "aps", target, on)

    assert Right.objects.get(person=person, right_type="aps").status == "requested"


def test_a_planned_end_cannot_precede_the_grant(in31: In31) -> None:
    worker = in31("association_worker")
    person = a_person(worker)
    move(worker, person, "aps", "requested", dt.date(2023, 2, 1))

    with pytest.raises(CaseworkError, match="La fin ne peut pas précéder l'obtention"):
        move(worker, person, "aps", "granted", dt.date(2023, 3, 1), ends_on=dt.date(2023, 2, 28))


def test_a_right_cannot_end_before_it_was_granted(in31: In31) -> None:
    worker = in31("association_worker")
    person = a_person(worker)
    move(worker, person, "aps", "requested", dt.date(2023, 2, 1))
    move(worker, person, "aps", "granted", dt.date(2023, 3, 1))

    with pytest.raises(CaseworkError, match="précéder l'obtention"):
        move(worker, person, "aps", "ended", dt.date(2023, 2, 15))


def test_a_date_in_the_future_is_refused(in31: In31) -> None:
    worker = in31("association_worker")
    person = a_person(worker)

    with pytest.raises(CaseworkError, match="dans le futur") as refusal:
        move(worker, person, "aps", "requested", timezone.localdate() + dt.timedelta(days=1))

    assert "on" in refusal.value.fields
    assert not Right.objects.filter(person=person).exists()


@pytest.mark.parametrize(
    ("right_type", "status", "field"),
    [("allocation_inventee", "requested", "right_type"), ("aps", "suspended", "status")],
)
def test_an_unknown_right_or_status_is_refused(
    in31: In31, right_type: str, status: str, field: str
) -> None:
    worker = in31("association_worker")
    person = a_person(worker)

    with pytest.raises(CaseworkError, match="inconnu") as refusal:
        move(worker, person, right_type, status, timezone.localdate())

    assert field in refusal.value.fields
    assert not Right.objects.filter(person=person).exists()


def test_a_worker_of_another_association_cannot_update_the_persons_rights(in31: In31) -> None:
    person = a_person(in31("association_worker"))
    association_b_worker_in_31()

    with pytest.raises(NotInScope):
        move(in31("association_worker_b"), person, "aps", "requested", timezone.localdate())

    assert not Right.objects.filter(person=person).exists()


@pytest.mark.parametrize("role", ["member", "dpo"])
def test_only_the_coordination_and_the_association_update_rights(in31: In31, role: str) -> None:
    person = a_person(in31("association_worker"))

    with pytest.raises(NotInScope):
        move(in31(role), person, "aps", "requested", timezone.localdate())


def test_the_prefet_who_reads_rights_is_refused_for_his_role_when_updating_them(
    in31: In31,
) -> None:
    """Not "not found": the préfet reads this person's rights, so the refusal is about the role."""
    person = a_person(in31("association_worker"))

    with pytest.raises(CaseworkError) as refused:
        move(in31("prefet"), person, "aps", "requested", timezone.localdate())
    assert refused.value.forbidden
    assert not Right.objects.filter(person=person).exists()


# --- Transmission to the MSA, which pays the AFIS --------------------------------------------


def granted_afis(in31: In31, *, on: dt.date | None = None) -> Person:
    worker = in31("association_worker")
    person = a_person(worker)
    day = on or timezone.localdate()
    move(worker, person, "afis", "requested", day)
    move(worker, person, "afis", "granted", day, details={"checklist": ALL_CHECKED})
    return person


def test_the_coordination_transmits_a_granted_afis_to_the_msa(in31: In31) -> None:
    person = granted_afis(in31)
    today = timezone.localdate()

    right = afis_transmit_to_msa(access=in31("coordinator"), person_id=person.pk, on=today)

    assert right.details["transmitted_to_msa_on"] == today.isoformat()
    assert right.details["monthly_amount"]  # the rest of the details is kept
    assert AuditEvent.objects.filter(
        action="right.afis_transmitted", object_id=str(person.pk)
    ).exists()


@pytest.mark.parametrize("role", ["association_worker", "prefet"])
def test_only_the_coordination_transmits_to_the_msa(in31: In31, role: str) -> None:
    person = granted_afis(in31)

    with pytest.raises(CaseworkError, match="coordination"):
        afis_transmit_to_msa(access=in31(role), person_id=person.pk, on=timezone.localdate())

    assert "transmitted_to_msa_on" not in Right.objects.get(person=person).details


def test_an_afis_that_is_not_granted_is_not_transmitted(in31: In31) -> None:
    worker = in31("association_worker")
    person = a_person(worker)
    move(worker, person, "afis", "requested", timezone.localdate())

    with pytest.raises(CaseworkError, match="Aucune AFIS accordée"):
        afis_transmit_to_msa(
            access=in31("coordinator"), person_id=person.pk, on=timezone.localdate()
        )


# --- Ending the pathway early stops the AFIS from the next month -----------------------------


def allow_early_end(allowed: bool) -> None:
    """Save the département's variant; files keep the variant they were opened with."""
    workflow_variant_save(
        tenant=Tenant.objects.get(code="31"),
        template=current_template(code="psp"),
        adjustments={"options": {"early_end_of_pathway": allowed}},
        actor_id=None,
    )


def authorised_with_afis(in31: In31) -> Dossier:
    worker = in31("association_worker")
    today = timezone.localdate()
    dossier = through_commission_and_decision(in31, prepare(worker), start_on=today)
    person = Person.objects.get(pk=dossier.person_id)
    move(worker, person, "afis", "requested", today)
    move(worker, person, "afis", "granted", today, details={"checklist": ALL_CHECKED})
    return dossier


def test_ending_the_pathway_early_stops_the_afis_on_the_first_day_of_the_next_month(
    in31: In31,
) -> None:
    allow_early_end(True)
    dossier = authorised_with_afis(in31)
    today = timezone.localdate()

    pathway = pathway_end_early(
        access=in31("prefet"), pathway_id=dossier.pathway_id, on=today, reason=REASON
    )

    afis = Right.objects.get(person_id=dossier.person_id, right_type="afis")
    assert afis.ends_on == today.replace(day=1) + relativedelta(months=1)
    assert afis.ends_on.day == 1 and afis.ends_on > today
    assert (pathway.status, pathway.ended_on) == (PathwayStatus.ENDED_EARLY, today)
    assert dossier.pathway.periods.get().ended_early_on == today


def test_ending_the_pathway_early_is_refused_where_the_departement_did_not_allow_it(
    in31: In31,
) -> None:
    allow_early_end(False)
    dossier = authorised_with_afis(in31)

    with pytest.raises(CaseworkError, match="n'a pas prévu la fin anticipée"):
        pathway_end_early(
            access=in31("prefet"),
            pathway_id=dossier.pathway_id,
            on=timezone.localdate(),
            reason=REASON,
        )

    dossier.pathway.refresh_from_db()
    assert dossier.pathway.status == PathwayStatus.ACTIVE
    assert Right.objects.get(person_id=dossier.person_id, right_type="afis").ends_on is None


def test_files_keep_the_variant_they_were_opened_with(in31: In31) -> None:
    allow_early_end(False)
    dossier = authorised_with_afis(in31)
    allow_early_end(True)  # too late for this file

    with pytest.raises(CaseworkError, match="n'a pas prévu la fin anticipée"):
        pathway_end_early(
            access=in31("prefet"),
            pathway_id=dossier.pathway_id,
            on=timezone.localdate(),
            reason=REASON,
        )


@pytest.mark.parametrize(
    ("role", "days", "reason", "message"),
    [
        ("coordinator", 0, REASON, "Seul le préfet"),
        ("prefet", 0, "Trop bref", "Motivez"),
        ("prefet", -1, REASON, "dans la période en cours"),
        ("prefet", 200, REASON, "dans la période en cours"),
    ],
    ids=["not-the-prefet", "no-motivation", "before-the-period", "after-the-period"],
)
def test_an_early_end_needs_the_prefet_a_motivation_and_a_day_in_the_period(
    in31: In31, role: str, days: int, reason: str, message: str
) -> None:
    allow_early_end(True)
    dossier = authorised_with_afis(in31)

    with pytest.raises(CaseworkError, match=message):
        pathway_end_early(
            access=in31(role),
            pathway_id=dossier.pathway_id,
            on=timezone.localdate() + dt.timedelta(days=days),
            reason=reason,
        )

    assert Right.objects.get(person_id=dossier.person_id, right_type="afis").ends_on is None


def test_an_afis_requested_before_the_file_was_opened_also_stops_at_an_early_end(
    in31: In31,
) -> None:
    allow_early_end(True)
    worker = in31("association_worker")
    today = timezone.localdate()
    person = a_person(worker)
    move(worker, person, "afis", "requested", today)  # prepared alongside the request
    dossier = through_commission_and_decision(
        in31, prepare(worker, person_id=person.pk), start_on=today
    )
    move(worker, person, "afis", "granted", today, details={"checklist": ALL_CHECKED})

    pathway_end_early(access=in31("prefet"), pathway_id=dossier.pathway_id, on=today, reason=REASON)

    afis = Right.objects.get(person=person, right_type="afis")
    assert afis.ends_on == today.replace(day=1) + relativedelta(months=1)


# --- The file's page: the association ticks the AFIS conditions ------------------------------


def rights_page_post(login, dossier: Dossier, **data: str):  # type: ignore[no-untyped-def]
    return login("association_worker", "31").post(
        f"/dossiers/{dossier.pk}/droits/", data, follow=True
    )


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def test_the_association_grants_the_afis_from_the_files_page(in31: In31, login) -> None:  # type: ignore[no-untyped-def]
    dossier = prepare(in31("association_worker"))
    day = "2023-03-01"
    rights_page_post(login, dossier, right_type="afis", status="requested", on="2023-02-01")
    ticks = {f"check_{code}": "on" for code in AFIS_CHECKLIST}

    almost = rights_page_post(
        login, dossier, right_type="afis", status="granted", on=day, **dict(list(ticks.items())[:4])
    )
    assert AFIS_CHECKLIST["no_ada"] in page_text(almost)
    assert Right.objects.get(person_id=dossier.person_id).status == "requested"

    response = rights_page_post(
        login, dossier, right_type="afis", status="granted", on=day, **ticks
    )

    assert response.status_code == 200
    assert "Le suivi du droit est à jour." in page_text(response)
    afis = Right.objects.get(person_id=dossier.person_id)
    assert afis.status == "granted"
    assert afis.details["monthly_amount"] == "449.28"  # one child (prepare), on 1 March 2023
    assert "449.28 € par mois" in page_text(response)


def test_a_malformed_date_on_the_files_page_changes_nothing(in31: In31, login) -> None:  # type: ignore[no-untyped-def]
    dossier = prepare(in31("association_worker"))

    response = rights_page_post(login, dossier, right_type="aps", status="requested", on="hier")

    assert "Indiquez des dates valides." in page_text(response)
    assert not Right.objects.filter(person_id=dossier.person_id).exists()


@pytest.mark.parametrize("role", ["prefet", "member"])
def test_only_the_coordination_and_the_association_post_the_rights_form(
    in31: In31, login, role: str
) -> None:  # type: ignore[no-untyped-def]
    dossier = prepare(in31("association_worker"))

    response = login(role, "31").post(
        f"/dossiers/{dossier.pk}/droits/",
        {"right_type": "aps", "status": "requested", "on": timezone.localdate().isoformat()},
    )

    assert response.status_code == 403
    assert not Right.objects.filter(person_id=dossier.person_id).exists()


def test_ending_the_afis_on_the_files_page_keeps_the_conditions_it_was_granted_on(
    in31: In31, login
) -> None:  # type: ignore[no-untyped-def]
    dossier = prepare(in31("association_worker"))
    ticks = {f"check_{code}": "on" for code in AFIS_CHECKLIST}
    rights_page_post(login, dossier, right_type="afis", status="requested", on="2023-02-01")
    rights_page_post(login, dossier, right_type="afis", status="granted", on="2023-03-01", **ticks)

    rights_page_post(login, dossier, right_type="afis", status="ended", on="2023-09-01")

    afis = Right.objects.get(person_id=dossier.person_id)
    assert afis.status == "ended"
    assert afis.details["checklist"] == ALL_CHECKED


# --- The API: the rights panel ----------------------------------------------------------------


def test_the_rights_panel_lists_every_right_type_with_the_persons_state(in31: In31, login) -> None:  # type: ignore[no-untyped-def]
    person = granted_afis(in31, on=dt.date(2023, 3, 1))

    rows = login("coordinator", "31").get(f"/api/v1/persons/{person.pk}/rights/").json()

    assert [row["type"] for row in rows] == [
        "afis",
        "aps",
        "logement",
        "hebergement",
        "soins",
        "acces_droits",
        "formation",
        "emploi",
    ]
    afis = rows[0]
    assert afis["label"] == "Aide financière à l'insertion sociale et professionnelle (AFIS)"
    assert (afis["status"], afis["granted_on"]) == ("granted", "2023-03-01")
    assert afis["details"]["monthly_amount"] == "555.36"  # two children (a_person)
    assert {row["status"] for row in rows[1:]} == {"todo"}


def test_a_right_is_moved_through_the_api_and_refusals_use_the_error_format(
    in31: In31, login
) -> None:  # type: ignore[no-untyped-def]
    person = a_person(in31("association_worker"))
    client = login("association_worker", "31")
    url = f"/api/v1/persons/{person.pk}/rights/"

    requested = client.post(
        url,
        {"right_type": "afis", "status": "requested", "on": "2023-02-01"},
        content_type="application/json",
    )
    refused = client.post(
        url,
        {"right_type": "afis", "status": "granted", "on": "2023-03-01"},
        content_type="application/json",
    )

    assert requested.status_code == 200
    assert requested.json()["status"] == "requested"
    error = refused.json()["error"]
    assert (refused.status_code, error["code"]) == (400, "refused")
    assert error["fields"]["checklist"] == list(AFIS_CHECKLIST.values())


def test_the_rights_api_answers_a_move_with_the_rights_label(in31: In31, login) -> None:  # type: ignore[no-untyped-def]
    person = a_person(in31("association_worker"))

    response = login("association_worker", "31").post(
        f"/api/v1/persons/{person.pk}/rights/",
        {"right_type": "aps", "status": "requested", "on": "2023-02-01"},
        content_type="application/json",
    )

    assert response.json()["label"] == "Autorisation provisoire de séjour (APS)"
