from django.apps import AppConfig


class Config(AppConfig):
    name = "tenants.casework"
    label = "casework"
    default_auto_field = "django.db.models.BigAutoField"
