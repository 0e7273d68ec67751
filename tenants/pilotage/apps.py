from django.apps import AppConfig


class Config(AppConfig):
    name = "tenants.pilotage"
    label = "pilotage"
    default_auto_field = "django.db.models.BigAutoField"
