from renders import services


def queue_scene_preparation(sender, scene, **kwargs):
    """A scene's images changed: prepare it again in a worker."""
    services.scene_prepare_queue(scene=scene)
