from django.apps import AppConfig


class TotemConfig(AppConfig):
    name = "totem"
