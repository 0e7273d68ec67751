"""frontend/views/national_oversight.py: the Commissions page (national host)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontend.templatetags.labels import french_date
from parcours.reporting.models import CommissionStatus
from tests.conftest import client_for
from tests.parcours.reporting.guards import no_departement_schema
from tests.parcours.reporting.oversight_factories import up_to_date

PAGE = "/statistiques/commissions/"
REFRESH = "/statistiques/commissions/actualiser/"


@pytest.fixture
def statuses(db: None, base: None) -> None:
    CommissionStatus.objects.bulk_create(
        [
            up_to_date("75", approvals_expiring=1),
            up_to_date("13", files_overdue=4),
            up_to_date(
                "31",
                colleges={"police_securite_publique": [1, 0], "magistrat": [1, 1]},
                colleges_without_titular=["police_securite_publique"],
            ),
        ]
    )


@pytest.mark.parametrize("role", ["national_analyst", "national_operator"])
def test_the_page_lists_those_to_handle_first_with_their_reasons(
    login, statuses, role: str
) -> None:
    response = login(role, None).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Situation au 15 juin 2026" in html
    assert (
        html.index('data-code="31"') < html.index('data-code="13"') < html.index('data-code="75"')
    )
    assert "Collège vacant : Police nationale – sécurité publique" in html
    assert "police_securite_publique<" not in html and ": police_securite_publique" not in html
    assert "4 dossiers hors délai" in html
    assert html.count(">À traiter</p>") == 2 and html.count(">À jour</p>") == 1
    assert "2 à traiter" in html and "1 à jour" in html
    # Paris is up to date; its approval coming to its term is shown beside its files.
    assert "1 agrément expire avant le 13 septembre 2026" in html
    assert "au prorata des jours écoulés de l'année" in html  # the rule, on the page
    # Only the operator may ask for a refresh.
    assert (REFRESH in html) is (role == "national_operator")


def test_the_page_says_when_nothing_was_computed_yet(login) -> None:
    html = login("national_analyst", None).get(PAGE).content.decode()
    assert "3 non calculées" in html
    assert "n'a pas encore été calculée" in html.replace("&#x27;", "'")


def test_the_page_reads_no_departement_schema(login, statuses, monkeypatch) -> None:
    client = login("national_analyst", None)
    with no_departement_schema(monkeypatch):
        assert client.get(PAGE).status_code == 200


def test_the_page_reads_as_many_queries_for_3_or_101_departements(login, statuses) -> None:
    from parcours.referentiel.models import Departement

    client = login("national_analyst", None)
    client.get(PAGE)  # the session and the user, cached by the first request
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE)
    CommissionStatus.objects.bulk_create(
        [
            up_to_date(code, files_overdue=1)
            for code in Departement.objects.exclude(code__in=["31", "13", "75"]).values_list(
                "code", flat=True
            )
        ]
    )
    with CaptureQueriesContext(connection) as many:
        html = client.get(PAGE).content.decode()
    assert html.count("<tr data-code=") == 101
    assert len(many) == len(few)


def test_the_operator_refreshes_every_departement(
    login, statuses, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    from parcours.audit.models import AuditEvent
    from tenants.statistics import tasks

    sent: list[str] = []
    monkeypatch.setattr(
        tasks.refresh_commission_status,
        "apply_async",
        lambda **kwargs: sent.append(connection.schema_name),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = login("national_operator", None).post(REFRESH)
    assert response.status_code == 302 and response["Location"] == PAGE
    assert sorted(sent) == ["dep_13", "dep_31", "dep_75"]
    assert AuditEvent.objects.filter(action="reporting.commission_status_refresh").count() == 1


def test_the_refresh_computes_today_in_each_departement(login) -> None:
    """Through the real task (run here, not by a worker): the page then shows today's day."""
    from django.utils import timezone

    from tenants.statistics.services import commission_status_refresh_sync

    commission_status_refresh_sync()
    html = login("national_analyst", None).get(PAGE).content.decode()
    assert f"Situation au {french_date(timezone.localdate())}" in html
    # The base départements have nobody appointed: each is to handle, for that reason.
    assert html.count("Aucun titulaire en mandat") == 3


def test_the_analyst_may_not_refresh(login, statuses) -> None:
    assert login("national_analyst", None).post(REFRESH).status_code == 403


@pytest.mark.parametrize("role", ["coordinator", "prefet"])
@pytest.mark.parametrize("path", [PAGE, REFRESH])
def test_departement_roles_and_hosts_are_refused(login, statuses, role: str, path: str) -> None:
    assert client_for(role, "31", on=None).get(path).status_code in {403, 404}
    # A national person on a département's host is refused too.
    national_on_departement = client_for("national_operator", None, on="31")
    assert national_on_departement.post(path).status_code in {403, 404}


def test_a_row_computed_on_an_older_day_says_so(login, statuses) -> None:
    CommissionStatus.objects.filter(departement="13").update(computed_on=dt.date(2026, 6, 1))
    html = login("national_analyst", None).get(PAGE).content.decode()
    assert "situation au 1er juin 2026" in html
