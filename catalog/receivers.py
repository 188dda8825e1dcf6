"""Clean-ups that must follow every delete, however it happens (admin, cascade, service)."""

from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver

from catalog.models import Layer, LayerOption, Material, Scene


def _file_names(instance):
    return [
        getattr(instance, field.name).name
        for field in instance._meta.fields
        if isinstance(field, models.FileField) and getattr(instance, field.name)
    ]


@receiver(post_delete, sender=Scene)
@receiver(post_delete, sender=Material)
def delete_stored_files(sender, instance, **kwargs):
    from catalog.services import delete_files_on_commit

    delete_files_on_commit(_file_names(instance))


@receiver(post_delete, sender=Layer)
@receiver(post_delete, sender=LayerOption)
def delete_files_and_mark_scene(sender, instance, **kwargs):
    from catalog.services import delete_files_on_commit, scene_images_changed_notify

    delete_files_on_commit(_file_names(instance))
    scene_id = instance.scene_id if sender is Layer else Layer.objects.filter(pk=instance.layer_id).values_list(
        "scene_id", flat=True
    ).first()
    if scene_id is not None:
        scene_images_changed_notify(scene_id=scene_id)
