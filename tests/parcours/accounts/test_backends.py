"""parcours/accounts/backends.py and permissions.signed_in_user: the person of a signed-in
request is read with their memberships in one query, and nothing about who may do what changes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from parcours.accounts.backends import PASSWORD_BACKEND, PasswordBackend
from parcours.accounts.models import Membership, User
from parcours.accounts.permissions import access_for, access_forget, signed_in_user
from parcours.accounts.proconnect import ProConnectBackend
from tests.conftest import People

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base")]


def test_the_password_backend_is_the_one_sessions_record() -> None:
    from django.conf import settings

    assert settings.AUTHENTICATION_BACKENDS[0] == PASSWORD_BACKEND


@pytest.mark.parametrize("backend", [PasswordBackend, ProConnectBackend])
def test_a_session_s_person_comes_with_their_memberships_in_one_query(backend: type) -> None:
    with schema_context("public"):
        expected = User.objects.get(email=People.email("coordinator", "31"))
        active = list(
            Membership.objects.filter(user=expected, is_active=True).values_list("pk", flat=True)
        )
        with CaptureQueriesContext(connection) as queries:
            user = backend().get_user(expected.pk)
            memberships = user._parcours_memberships
            # One person object behind every membership, tenants and associations joined.
            assert {m.user is user for m in memberships} == {True}
            assert [m.tenant.code for m in memberships if m.tenant_id] == ["31"] * len(
                [m for m in memberships if m.tenant_id]
            )
    assert user == expected
    assert sorted(m.pk for m in memberships) == sorted(active)
    assert len(queries) == 1


def test_someone_without_an_active_membership_is_still_read() -> None:
    with schema_context("public"):
        person = User.objects.create_user(email="sans.role@test.parcours", password=None)
        user = signed_in_user(user_id=person.pk)
    assert user == person
    assert user is not None and user._parcours_memberships == ()  # type: ignore[attr-defined]


def test_an_unknown_or_deactivated_account_has_no_session_user() -> None:
    with schema_context("public"):
        person = User.objects.get(email=People.email("coordinator", "31"))
        User.objects.filter(pk=person.pk).update(is_active=False)
        assert PasswordBackend().get_user(person.pk) is None
        assert ProConnectBackend().get_user(person.pk) is None
        assert PasswordBackend().get_user(10**9) is None


def test_access_takes_the_memberships_read_with_the_person_once(login) -> None:  # type: ignore[no-untyped-def]
    """The page's permission check costs no query of its own; a check after the sign-in
    changed (access_forget) reads the memberships again, so a grant made meanwhile counts."""
    client = login("coordinator", "31")
    response = client.get("/accessibilite/")
    request = response.wsgi_request
    access_forget(request)
    with CaptureQueriesContext(connection) as queries:
        again = access_for(request)
    assert len(queries) == 1
    assert "coordinator" in again.roles_text


def test_a_signed_in_page_reads_the_person_and_memberships_together(login) -> None:  # type: ignore[no-untyped-def]
    client = login("coordinator", "31")
    client.get("/accessibilite/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/accessibilite/").status_code == 200
    tables = [
        q["sql"].split(" FROM ", 1)[1].split(" ", 1)[0] for q in queries if " FROM " in q["sql"]
    ]
    assert tables.count('"accounts_user"') == 0  # the user comes inside the memberships' join
    assert tables.count('"accounts_membership"') == 1


def _loaded(instance: object) -> dict[str, object]:
    """An object's loaded field values (not Django's internal state)."""
    return {k: v for k, v in vars(instance).items() if not k.startswith("_")}


def test_the_prepared_join_reads_what_the_orm_would() -> None:
    """`signed_in_user` sends SQL of its own, built from the models: the same memberships, in
    the same order, with the same person, département and association objects as
    `_active_memberships(...).select_related("user")`, national and left-joined rows included."""
    from parcours.accounts.models import Role
    from parcours.accounts.permissions import _active_memberships
    from parcours.associations.models import Association
    from parcours.departements.models import Tenant

    with schema_context("public"):
        person = User.objects.create_user(email="plusieurs.roles@test.parcours", password=None)
        association = Association.objects.order_by("pk").first()
        for tenant, role, with_association, active in [
            (None, Role.NATIONAL_ANALYST, False, True),
            ("75", Role.ASSOCIATION_WORKER, True, True),
            ("31", Role.MEMBER, False, True),
            ("31", Role.COORDINATOR, False, True),
            ("13", Role.PREFET, False, False),
        ]:
            Membership.objects.create(
                user=person,
                tenant=Tenant.objects.get(code=tenant) if tenant else None,
                role=role,
                association=association if with_association else None,
                is_active=active,
            )
        expected = list(_active_memberships(person.pk).select_related("user"))
        user = signed_in_user(user_id=person.pk)
    assert user is not None
    read = user._parcours_memberships  # type: ignore[attr-defined]
    assert [m.pk for m in read] == [m.pk for m in expected]
    assert [m.role for m in read] == [
        "coordinator",
        "member",
        "association_worker",
        "national_analyst",
    ]
    for got, want in zip(read, expected, strict=True):
        assert _loaded(got) == _loaded(want)
        assert got._state.adding is False and got._state.db == "default"
        assert _loaded(got.user) == _loaded(want.user)
        for relation in ("tenant", "association"):
            related, wanted = getattr(got, relation), getattr(want, relation)
            assert (related is None) == (wanted is None)
            if wanted is not None:
                assert _loaded(related) == _loaded(wanted)
