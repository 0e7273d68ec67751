"""tenants/commission/selectors.py: who sees which session, one session read alone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from parcours.accounts.models import Role
from parcours.accounts.permissions import Access
from tenants.commission.models import Member, Session
from tenants.commission.selectors import session_for, sessions_for
from tests.tenants.commission.conftest import Commission

pytestmark = pytest.mark.django_db


def _as_member(member: Member, in31) -> Access:  # type: ignore[no-untyped-def]
    coordinator = in31("coordinator")
    return Access(user_id=member.user_id, tenant=coordinator.tenant, roles=frozenset({Role.MEMBER}))


def test_a_session_older_than_the_hundred_latest_is_still_found(in31, session: Session) -> None:  # type: ignore[no-untyped-def]
    Session.objects.bulk_create(
        Session(starts_at=session.starts_at + dt.timedelta(days=n)) for n in range(1, 102)
    )
    coordinator = in31("coordinator")
    assert session not in sessions_for(access=coordinator)  # the list shows the latest 100
    assert session_for(access=coordinator, pk=session.pk) == session
    assert session_for(access=in31("prefet"), pk=session.pk) == session
    assert session_for(access=coordinator, pk=10**9) is None


def test_a_member_reads_a_session_once_convened_and_while_in_mandate(  # type: ignore[no-untyped-def]
    in31, commission: Commission, session: Session
) -> None:
    member = _as_member(commission.titulars["medecin"], in31)
    assert session_for(access=member, pk=session.pk) is None  # not convened yet
    Session.objects.filter(pk=session.pk).update(convened_at=timezone.now())
    assert session_for(access=member, pk=session.pk) == session
    assert [s.pk for s in sessions_for(access=member)] == [session.pk]
    Member.objects.filter(pk=commission.titulars["medecin"].pk).update(
        ended_on=timezone.localdate() - dt.timedelta(days=1)
    )
    assert session_for(access=member, pk=session.pk) is None
    assert sessions_for(access=member) == []


def test_nobody_else_reads_a_session(in31, session: Session) -> None:  # type: ignore[no-untyped-def]
    Session.objects.filter(pk=session.pk).update(convened_at=timezone.now())
    assert session_for(access=in31("association_worker"), pk=session.pk) is None
    assert session_for(access=in31("dpo"), pk=session.pk) is None
