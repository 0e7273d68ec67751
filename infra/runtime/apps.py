from django.apps import AppConfig


class Config(AppConfig):
    """The production runtime as a Django app for its commands only (`migrate_departements`,
    the migrations Job). No models."""

    name = "infra.runtime"
    label = "runtime"
