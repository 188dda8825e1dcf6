from django.apps import AppConfig


class RendersConfig(AppConfig):
    name = "renders"

    def ready(self):
        from catalog.signals import scene_images_changed
        from renders.receivers import queue_scene_preparation

        scene_images_changed.connect(queue_scene_preparation, dispatch_uid="renders-queue-scene-preparation")
