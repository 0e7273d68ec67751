from django.apps import AppConfig


class Config(AppConfig):
    name = "tenants.casework"
    label = "casework"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the named guards and effects the workflow definitions refer to.
        from tenants.casework import workflow_hooks  # noqa: F401
