from django.apps import AppConfig


class Config(AppConfig):
    name = "parcours.departements"
    label = "departements"
    default_auto_field = "django.db.models.BigAutoField"
