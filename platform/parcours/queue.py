"""Queueing tasks the one way: on commit, in an explicit tenant context.

A task is given as the task itself, or as the name it is registered under when it is defined
in a layer above the caller: the platform queues the départements' tasks of the national
statistics (`tenants.statistics.tasks`) by name and never imports them.
"""

from __future__ import annotations

from typing import Any

from celery import Task, current_app
from django.db import transaction
from django_tenants.utils import schema_context

from parcours.db import connection


def task_named(name: str) -> Task:
    """The task registered under `name`, as a worker knows it.

    A web process registers a task when its module is imported; one that no code of the process
    imports is found by Celery's autodiscovery of the installed apps' `tasks` modules, run here
    once (what a worker does when it starts). Sending the registered task, rather than
    `send_task` by name, keeps what `apply_async` does: the tenant's schema in the headers
    (tenant-schemas-celery), eager mode, and a test's stand-in for it.
    """
    # The project's app (parcours.celery, made current when the `parcours` package loads),
    # reached without importing the module that bootstraps workers from every app.
    app = current_app
    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]


def enqueue_on_commit(task: Task | str, *, schema_name: str | None = None, **kwargs: Any) -> None:
    """Send `task` (or the task registered under that name) once the current transaction
    commits, carrying the tenant's schema.

    The schema is captured now: by commit time the connection may point elsewhere.
    """
    schema = schema_name or connection.schema_name

    def send() -> None:
        with schema_context(schema):
            (task_named(task) if isinstance(task, str) else task).apply_async(kwargs=kwargs)

    transaction.on_commit(send)
