"""Queueing tasks the one way: on commit, in an explicit tenant context."""

from __future__ import annotations

from typing import Any

from celery import Task
from django.db import transaction
from django_tenants.utils import schema_context

from parcours.db import connection


def enqueue_on_commit(task: Task, *, schema_name: str | None = None, **kwargs: Any) -> None:
    """Send `task` once the current transaction commits, carrying the tenant's schema.

    The schema is captured now: by commit time the connection may point elsewhere.
    """
    schema = schema_name or connection.schema_name

    def send() -> None:
        with schema_context(schema):
            task.apply_async(kwargs=kwargs)

    transaction.on_commit(send)


def enqueue_named_on_commit(name: str, *, schema_name: str | None = None, **kwargs: Any) -> None:
    """`enqueue_on_commit` for a task known by its registered name: the caller does not import
    the module that defines it, so a task may read through the services that queue it without
    an import cycle (tasks sit above services)."""
    from parcours.celery import app

    schema = schema_name or connection.schema_name

    def send() -> None:
        with schema_context(schema):
            app.tasks[name].apply_async(kwargs=kwargs)

    transaction.on_commit(send)
