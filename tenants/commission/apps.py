from django.apps import AppConfig


class Config(AppConfig):
    name = "tenants.commission"
    label = "commission"
    default_auto_field = "django.db.models.BigAutoField"
