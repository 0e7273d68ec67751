from django.apps import AppConfig


class Config(AppConfig):
    name = "tenants.agrements"
    label = "agrements"
    default_auto_field = "django.db.models.BigAutoField"
