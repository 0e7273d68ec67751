from django.apps import AppConfig


class Config(AppConfig):
    name = "parcours.referentiel"
    label = "referentiel"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from parcours.validation import install

        install()
