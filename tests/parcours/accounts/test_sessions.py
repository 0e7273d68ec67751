"""parcours/accounts/sessions.py: Django's database sessions, read with one prepared statement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parcours.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_platform_uses_this_engine() -> None:
    assert settings.SESSION_ENGINE == "parcours.accounts.sessions"


def test_a_saved_session_is_read_back_in_one_query() -> None:
    store = SessionStore()
    store["_auth_user_id"] = "42"
    store["nested"] = {"hosts": ["31", "75"]}
    store.save()
    again = SessionStore(store.session_key)
    with CaptureQueriesContext(connection) as queries:
        assert dict(again.items()) == {"_auth_user_id": "42", "nested": {"hosts": ["31", "75"]}}
    assert len(queries) == 1
    assert again.session_key == store.session_key


def test_an_expired_or_unknown_session_reads_empty_and_its_key_is_dropped() -> None:
    store = SessionStore()
    store["_auth_user_id"] = "42"
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    unknown = SessionStore("x" * 32)
    assert unknown.load() == {}
    assert unknown.session_key is None


def test_a_tampered_session_reads_empty() -> None:
    store = SessionStore()
    store["_auth_user_id"] = "42"
    store.save()
    Session.objects.filter(session_key=store.session_key).update(session_data="altéré:abc")
    assert SessionStore(store.session_key).load() == {}
