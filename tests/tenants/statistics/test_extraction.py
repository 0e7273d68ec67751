"""A département's counts for a national release: aggregates only, consistent breakdowns."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenants.statistics.extraction import Count, extract_counts

YEAR = {
    "snapshot": dt.date(2024, 12, 31),
    "period_start": dt.date(2024, 1, 1),
    "period_end": dt.date(2024, 12, 31),
}


def _extract_in(tenant) -> list[Count]:  # type: ignore[no-untyped-def]
    from parcours.db import connection as tenant_connection

    tenant_connection.set_tenant(tenant)
    return extract_counts(**YEAR)


def test_counts_persons_in_pathway_and_their_breakdowns_add_up(
    db: None, base: None, tenant31
) -> None:
    from infra.dev.seeding.national import national_figures_seed

    national_figures_seed(distribution={"31": 39})
    counts = _extract_in(tenant31)
    totals = {c.indicator: c.value for c in counts if not c.dimension}
    assert totals["persons_in_pathway"] == 39
    assert totals["exits"] == 9
    for dimension in ("period_number", "children"):
        assert sum(c.value for c in counts if c.dimension == dimension) == 39
    assert sum(c.value for c in counts if c.dimension == "outcome") == 9
    assert totals["first_requests"] > 0 and totals["authorisations"] > 0


def test_a_person_with_two_running_pathways_is_counted_once_in_the_total_and_each_breakdown(
    db: None, base: None, tenant31
) -> None:
    """The noisy open data's bound (one person moves one cell by at most 1) holds by
    construction, not only because casework refuses a second pathway in progress."""
    from infra.dev.seeding.national import national_figures_seed
    from parcours.db import connection as tenant_connection
    from tenants.casework.models import Pathway, Period

    national_figures_seed(distribution={"31": 39})
    tenant_connection.set_tenant(tenant31)
    running = list(
        Period.objects.filter(starts_on__lte=YEAR["snapshot"], ends_on__gte=YEAR["snapshot"])
        .order_by("pathway_id")
        .values_list("pathway_id", "pathway__person_id")[:2]
    )
    (_, first_person), (second_pathway, _) = running
    # Forced past casework's rule: the second pathway now belongs to the first person.
    Pathway.objects.filter(pk=second_pathway).update(person_id=first_person)
    assert Pathway.objects.filter(person_id=first_person).count() >= 2

    counts = _extract_in(tenant31)
    total = next(c.value for c in counts if c.indicator == "persons_in_pathway" and not c.dimension)
    assert total == 38
    for dimension in ("period_number", "children", "sex", "age_band", "world_region"):
        cells = [
            c.value
            for c in counts
            if c.indicator == "persons_in_pathway" and c.dimension == dimension
        ]
        assert sum(cells) == 38, dimension


def test_nothing_but_counts_leaves_the_schema(db: None, base: None, tenant31) -> None:
    for count in _extract_in(tenant31):
        assert isinstance(count.value, int)
        assert set(vars(count)) == {"indicator", "value", "dimension", "category"}


def test_the_number_of_queries_does_not_grow_with_the_persons(
    db: None, base: None, tenant31, tenant75
) -> None:
    from infra.dev.seeding.national import national_figures_seed

    national_figures_seed(distribution={"31": 3, "75": 60})
    queries = []
    for tenant in (tenant31, tenant75):
        with CaptureQueriesContext(connection) as captured:
            _extract_in(tenant)
        queries.append(len(captured))
    # One query per figure or grouped table, the audit row of the identities counted (4 with
    # its savepoint), the AFIS rates (2), the capped counts of the private release (2): 27,
    # whatever the number of persons.
    assert queries[0] == queries[1] <= 27


def test_the_capped_counts_bound_what_one_person_adds_to_a_figure(
    db: None, base: None, tenant31
) -> None:
    from infra.dev.seeding.national import national_figures_seed
    from tenants.statistics.extraction import DP_CAPS
    from tests.tenants.casework.conftest import one_person_files_five_first_requests

    national_figures_seed(distribution={"31": 39})

    def extracted() -> tuple[dict[str, int], dict[str, int]]:
        counts = _extract_in(tenant31)
        raw = {c.indicator: c.value for c in counts if not c.dimension}
        capped = {c.indicator: c.value for c in counts if c.dimension == "dp_capped"}
        return raw, capped

    raw, capped = extracted()
    assert set(capped) == set(DP_CAPS)
    # The seeded files follow the procedure: no person exceeds a bound, nothing is cut.
    assert capped == {indicator: raw[indicator] for indicator in DP_CAPS}

    # Five persons with one first request each in the year: their five files become one
    # person's. The published count still counts five files; the capped one counts two.
    connection.set_tenant(tenant31)
    one_person_files_five_first_requests(year=2024)
    again, capped_again = extracted()
    assert again["first_requests"] == raw["first_requests"]
    assert capped_again["first_requests"] == capped["first_requests"] - 3


def test_oversight_counts_the_commission_and_the_approvals(db: None, base: None, tenant31) -> None:
    counts = {c.indicator: c.value for c in _extract_in(tenant31) if not c.dimension}
    # The base data: no member appointed; two approvals in force for two years more.
    assert counts["commission_titulars"] == 0
    assert counts["colleges_without_titular"] >= 10
    assert counts["approvals_expiring_90_days"] == 0


def test_oversight_counts_the_composition_seats_and_who_holds_them(in31) -> None:  # type: ignore[no-untyped-def]
    from tenants.commission.services import college_setting_save
    from tests.tenants.commission.factories import small_commission

    coordinator = in31("coordinator")
    small_commission(coordinator)  # the chair (ddets), a magistrate, a physician
    for college, seats in {"ddets": 2, "associations": 2, "medecin": 1}.items():
        college_setting_save(
            access=coordinator, college=college, titular_seats=seats, may_see_health=False
        )
    today = timezone.localdate()
    counts = extract_counts(snapshot=today, period_start=today, period_end=today)
    totals = {c.indicator: c.value for c in counts if not c.dimension}
    seats = {
        c.category: c.value for c in counts if c.indicator == "composition_seats" and c.dimension
    }
    filled = {
        c.category: c.value
        for c in counts
        if c.indicator == "composition_seats_filled" and c.dimension
    }
    # The colleges that sit on files need one seat unless the département set their number;
    # child protection does not sit on files and has no seat set here.
    assert seats["ddets"] == 2 and seats["associations"] == 2 and seats["magistrat"] == 1
    assert "protection_enfance" not in seats
    assert totals["composition_seats"] == sum(seats.values()) == 13
    # The chair holds a seat of their college; the other colleges are vacant.
    assert filled == {
        college: int(college in {"ddets", "magistrat", "medecin"}) for college in seats
    }
    assert totals["composition_seats_filled"] == 3
    assert totals["commission_titulars"] == 2  # the chair aside


def test_a_college_s_extra_titulars_do_not_fill_another_college(in31) -> None:  # type: ignore[no-untyped-def]
    from tenants.commission.services import college_setting_save
    from tests.tenants.commission.factories import small_commission

    coordinator = in31("coordinator")
    small_commission(coordinator)
    for college in ("magistrat", "medecin"):
        college_setting_save(
            access=coordinator, college=college, titular_seats=0, may_see_health=False
        )
    today = timezone.localdate()
    counts = extract_counts(snapshot=today, period_start=today, period_end=today)
    filled = {
        c.category: c.value
        for c in counts
        if c.indicator == "composition_seats_filled" and c.dimension
    }
    assert "magistrat" not in filled and "medecin" not in filled  # no seat, nothing to fill
    assert sum(filled.values()) == 1  # the chair's ddets seat


def test_rights_count_persons_once_each_afis_on_the_day_the_others_in_the_period(
    db: None, base: None, tenant31
) -> None:
    from infra.dev.seeding.national import national_figures_seed
    from tenants.casework.models import Person, Right

    national_figures_seed(distribution={"31": 5})
    _extract_in(tenant31)  # sets the schema
    Right.objects.all().delete()  # the seeded ones; these are the test's
    persons = list(Person.objects.order_by("pk")[:3])
    day = dt.date(2024, 6, 1)
    Right.objects.bulk_create(
        [
            # On AFIS on 31/12: the first two; the third's AFIS stopped in November.
            Right(person=persons[0], right_type="afis", status="granted", granted_on=day),
            Right(person=persons[1], right_type="afis", status="granted", granted_on=day),
            Right(
                person=persons[2],
                right_type="afis",
                status="granted",
                granted_on=day,
                ends_on=dt.date(2024, 11, 30),
            ),
            # Housing and shelter for one person count once; a request is not a right obtained.
            Right(person=persons[0], right_type="logement", status="granted", granted_on=day),
            Right(person=persons[0], right_type="hebergement", status="granted", granted_on=day),
            Right(person=persons[1], right_type="logement", status="requested", requested_on=day),
            # Obtained in 2023: not a 2024 figure.
            Right(
                person=persons[2],
                right_type="aps",
                status="granted",
                granted_on=dt.date(2023, 5, 1),
            ),
            Right(person=persons[1], right_type="emploi", status="granted", granted_on=day),
        ]
    )
    totals = {c.indicator: c.value for c in _extract_in(tenant31) if not c.dimension}
    assert totals["afis_beneficiaries"] == 2
    assert totals["housing_obtained"] == 1
    assert totals["aps_granted"] == 0
    assert totals["training_or_employment"] == 1
    assert totals["care_opened"] == 0


def test_breakdowns_by_sex_age_and_world_region_add_up_and_the_reading_is_audited(
    db: None, base: None, tenant31
) -> None:
    from infra.dev.seeding.national import national_figures_seed
    from parcours.audit.models import AuditEvent

    national_figures_seed(distribution={"31": 39})
    counts = _extract_in(tenant31)
    for dimension in ("sex", "age_band", "world_region"):
        cells = {c.category: c.value for c in counts if c.dimension == dimension}
        assert sum(cells.values()) == 39, dimension
    sexes = {c.category: c.value for c in counts if c.dimension == "sex"}
    assert sexes["femme"] > sexes.get("homme", 0) > 0
    regions = {c.category for c in counts if c.dimension == "world_region"}
    assert {"afrique_subsaharienne", "asie_oceanie", "ue"} <= regions
    ages = {c.category for c in counts if c.dimension == "age_band"}
    assert ages <= {"moins_18", "18_24", "25_34", "35_44", "45_plus", "non_renseigne"}
    # Categories only: no birth date, no country, no pseudonym among what leaves.
    assert all(len(c.category) <= 24 and "PSP" not in c.category for c in counts)
    audit = AuditEvent.objects.filter(action="statistics.identities_counted").get()
    assert audit.data["persons"] == 39


def test_an_identity_without_sex_birth_date_or_nationality_is_counted_as_not_recorded(
    db: None, base: None, tenant31
) -> None:
    from infra.dev.seeding.national import national_figures_seed
    from tenants.casework.crypto import encrypt_json
    from tenants.casework.models import Person

    national_figures_seed(distribution={"31": 1})
    _extract_in(tenant31)
    person = Person.objects.get()
    person.identity_encrypted = encrypt_json(
        {"first_name": "A", "last_name": "B", "birth_date": "n'importe quoi", "nationality": "ZZZ"},
        purpose=f"person:{person.pseudonym}:identity",
    )
    person.save()
    counts = _extract_in(tenant31)
    for dimension in ("sex", "age_band", "world_region"):
        cells = {c.category: c.value for c in counts if c.dimension == dimension}
        assert cells == {"non_renseigne": 1}, dimension


def test_refusals_by_principal_ground_delays_and_the_commissions_work(
    db: None, base: None, tenant31
) -> None:
    from infra.dev.seeding.national import national_figures_seed

    national_figures_seed(distribution={"31": 39})
    counts = _extract_in(tenant31)
    totals = {c.indicator: c.value for c in counts if not c.dimension}
    grounds = {c.category: c.value for c in counts if c.dimension == "refusal_ground"}
    assert sum(grounds.values()) == totals["refusals"] == 3
    # "no_complaint" is stated with every seeded refusal but never carries one alone.
    assert "no_complaint" not in grounds
    delays = {int(c.category): c.value for c in counts if c.dimension == "days"}
    decided = totals["authorisations"] + totals["renewals"] + totals["refusals"]
    assert sum(delays.values()) == decided
    assert all(28 <= days <= 90 for days in delays)
    avis = {c.category: c.value for c in counts if c.dimension == "avis"}
    assert sum(avis.values()) == totals["files_examined"] > 0
    assert avis["unfavourable"] == 3


def test_the_afis_due_follows_the_dated_amounts_and_the_children(
    db: None, base: None, tenant31
) -> None:
    from infra.dev.seeding.national import national_figures_seed
    from tenants.casework.models import Person, Right

    national_figures_seed(distribution={"31": 2})
    _extract_in(tenant31)
    Right.objects.all().delete()
    first, second = Person.objects.order_by("pk")[:2]
    Person.objects.filter(pk=first.pk).update(children_count=2)
    Person.objects.filter(pk=second.pk).update(children_count=0)
    for person in (first, second):
        Right.objects.create(
            person=person, right_type="afis", status="granted", granted_on=dt.date(2024, 3, 1)
        )
    totals = {c.indicator: c.value for c in _extract_in(tenant31) if not c.dimension}
    # 343.20 € each since July 2022, and 106.08 € for each of the two children.
    assert totals["afis_amount_due"] == round(2 * 343.20 + 2 * 106.08)


def test_prevention_figures_are_sent_for_a_calendar_year_only(
    db: None, base: None, tenant31
) -> None:
    from parcours.db import connection as tenant_connection
    from tenants.pilotage.models import PeriodFigures

    tenant_connection.set_tenant(tenant31)
    PeriodFigures.objects.create(year=2024, buyers_fined=17, awareness_courses=4)
    totals = {c.indicator: c.value for c in extract_counts(**YEAR) if not c.dimension}
    assert totals["buyers_fined"] == 17 and totals["awareness_courses"] == 4
    quarter = extract_counts(
        snapshot=dt.date(2024, 3, 31),
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 3, 31),
    )
    assert not any(c.indicator == "buyers_fined" for c in quarter)


def test_each_approved_association_is_sent_as_a_public_body(db: None, base: None, tenant31) -> None:
    from parcours.db import connection as tenant_connection

    tenant_connection.set_tenant(tenant31)
    today = timezone.localdate()
    counts = extract_counts(snapshot=today, period_start=today, period_end=today)
    totals = {c.indicator: c.value for c in counts if not c.dimension}
    sent = [c for c in counts if c.dimension == "association"]
    assert len(sent) == totals["approvals_in_force"] == 2
    assert all(c.value == 1 and c.category.isdigit() for c in sent)


def test_totals_without_attribute_breakdowns_are_the_same_and_read_no_identity(
    db: None, base: None, tenant31
) -> None:
    from infra.dev.seeding.national import national_figures_seed
    from parcours.audit.models import AuditEvent

    national_figures_seed(distribution={"31": 39})
    full = {c.indicator: c.value for c in _extract_in(tenant31) if not c.dimension}
    totals = extract_counts(**YEAR, attribute_breakdowns=False)
    assert {c.indicator: c.value for c in totals if not c.dimension} == full
    assert not any(c.dimension in {"sex", "age_band", "world_region"} for c in totals)
    assert AuditEvent.objects.filter(action="statistics.identities_counted").count() == 1
