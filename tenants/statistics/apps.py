from django.apps import AppConfig


class Config(AppConfig):
    name = "tenants.statistics"
    label = "statistics"
