"""Parcours: the Django project and the shared (public-schema) layer."""

from parcours.celery import app as celery_app

__all__ = ["celery_app"]
