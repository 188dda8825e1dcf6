from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self):
        from catalog import receivers  # noqa: F401  (connects the post_delete clean-ups)
