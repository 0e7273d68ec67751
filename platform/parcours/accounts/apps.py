from django.apps import AppConfig


class Config(AppConfig):
    name = "parcours.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from parcours.accounts import checks  # noqa: F401  (registers the deploy checks)
