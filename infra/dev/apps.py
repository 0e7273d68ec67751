from django.apps import AppConfig


class Config(AppConfig):
    """Development tooling as a Django app for its commands only (`seed_demo`,
    `seed_national_figures`): the demo seeders drive every layer, so they live above them all
    and no layer below imports them. No models."""

    name = "infra.dev"
    label = "dev_tooling"
