from django.apps import AppConfig


class Config(AppConfig):
    name = "parcours.associations"
    label = "associations"
    default_auto_field = "django.db.models.BigAutoField"
