from django.apps import AppConfig


class Config(AppConfig):
    name = "parcours.workflows"
    label = "workflows"
    default_auto_field = "django.db.models.BigAutoField"
