from django.apps import AppConfig


class Config(AppConfig):
    # No models: the app only carries its management commands and the database router.
    name = "parcours.operations"
    label = "operations"
