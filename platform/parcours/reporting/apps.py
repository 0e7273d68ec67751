from django.apps import AppConfig


class Config(AppConfig):
    name = "parcours.reporting"
    label = "reporting"
    default_auto_field = "django.db.models.BigAutoField"
