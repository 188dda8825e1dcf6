"""Write paths for the catalog, shared by the admin, import_panoconfig and seed_demo.

Every write validates (``full_clean``), saves inside a transaction, and when a
scene's base, masks or option images changed, marks the scene's preparation
pending and sends ``scene_images_changed`` once the transaction commits.
An image given again with the same bytes is not stored twice.
"""

import contextlib
import contextvars
import hashlib

from django.core.exceptions import ValidationError
from django.db import models, transaction

from catalog import validation
from catalog.models import Layer, LayerOption, Material, PreparationStatus, Scene
from catalog.signals import scene_images_changed
from catalog.uploads import file_sha256

_new_files = contextvars.ContextVar("catalog_new_files", default=None)

PREPARATION_FIELDS = {"preparation_status", "preparation_error", "prepared_inputs", "prepared_at"}
# Image fields whose change alters what a scene renders.
RENDER_IMAGES = {Scene: {"base_image"}, Layer: {"mask_image"}, LayerOption: {"image"}}


# --- Materials ----------------------------------------------------------------


@transaction.atomic
def material_create(*, tenant, slug, name, thumbnail=None, sku="", description=""):
    material = Material(tenant=tenant)
    return _write(material, slug=slug, name=name, thumbnail=thumbnail, sku=sku, description=description)


@transaction.atomic
def material_update(*, material, **fields):
    return _write(material, **fields)


# --- Scenes -------------------------------------------------------------------


@transaction.atomic
def scene_create(*, tenant, slug, name, base_image, projection=None, **fields):
    """A new scene; without ``projection`` it is told by the base image's aspect."""
    if projection is None:
        projection = _projection_from_file(base_image)
    scene = Scene(tenant=tenant)
    return _write(scene, slug=slug, name=name, projection=projection, base_image=base_image, **fields)


@transaction.atomic
def scene_update(*, scene, **fields):
    return _write(scene, **fields)


@transaction.atomic
def layer_create(*, scene, slug, name, mask_image, build_order=None, **fields):
    if build_order is None:
        last = scene.layers.aggregate(models.Max("build_order"))["build_order__max"]
        build_order = 0 if last is None else last + 1
    layer = Layer(scene=scene)
    return _write(layer, slug=slug, name=name, mask_image=mask_image, build_order=build_order, **fields)


@transaction.atomic
def layer_update(*, layer, **fields):
    return _write(layer, **fields)


@transaction.atomic
def layer_option_create(*, layer, material, image=None, position=None, **fields):
    if position is None:
        last = layer.options.aggregate(models.Max("position"))["position__max"]
        position = 0 if last is None else last + 1
    option = LayerOption(layer=layer, material=material)
    return _write(option, image=image, position=position, **fields)


@transaction.atomic
def layer_option_update(*, option, **fields):
    return _write(option, **fields)


@transaction.atomic
def layer_delete(*, layer):
    # Files and the scene's preparation are handled by catalog.receivers on post_delete.
    layer.delete()


@transaction.atomic
def layer_option_delete(*, option):
    option.delete()


@transaction.atomic
def catalog_object_save(*, instance):
    """Save an instance a ModelForm has already validated (the admin's path)."""
    _save(instance)
    return instance


# --- Preparation signal ---------------------------------------------------------


def scene_images_changed_notify(*, scene_id):
    """Mark the scene's prepared data stale and announce it once the transaction commits.

    Sent once per changed image, so one admin save may send it a few times for the
    same scene; receivers re-read the scene and must be idempotent.
    """
    Scene.objects.filter(pk=scene_id).update(preparation_status=PreparationStatus.PENDING, preparation_error="")
    transaction.on_commit(lambda: _send_scene_images_changed(scene_id))


def _send_scene_images_changed(scene_id):
    scene = Scene.objects.filter(pk=scene_id).first()
    if scene is not None:
        scene_images_changed.send(sender=Scene, scene=scene)


@contextlib.contextmanager
def files_removed_on_failure():
    """Files stored by services inside the block are deleted again if the block fails.

    Wrap it around the transaction (the database undoes the rows, this the files).
    """
    from django.core.files.storage import default_storage

    names = []
    token = _new_files.set(names)
    try:
        yield
    except BaseException:
        for name in names:
            default_storage.delete(name)
        raise
    finally:
        _new_files.reset(token)


def delete_files_on_commit(names):
    """Remove stored files once the rows that named them are committed away."""
    from django.core.files.storage import default_storage

    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: [default_storage.delete(name) for name in names])


# --- Internals ------------------------------------------------------------------


def _write(instance, **fields):
    for name, value in fields.items():
        _assign(instance, name, value)
    instance.full_clean(validate_constraints=True)
    _save(instance)
    return instance


def _assign(instance, name, value):
    field = instance._meta.get_field(name)
    if not isinstance(field, models.FileField):
        setattr(instance, name, value)
        return
    if value in (None, ""):
        setattr(instance, name, "")
        return
    if isinstance(instance, Layer) and name == "mask_image":
        value = _grey_mask(value)
    if _stored_sha256(instance, name) == _content_sha256(value):
        return
    setattr(instance, name, value)


def _save(instance):
    old_names = _stored_file_names(instance)
    try:
        instance.save(update_fields=_fields_to_write(instance))
    finally:
        # Recorded even when the insert fails: the file is already in storage by then.
        journal = _new_files.get()
        if journal is not None:
            journal.extend(_new_file_names(instance, old_names))
    changed = getattr(instance, "changed_images", set()) & RENDER_IMAGES.get(type(instance), set())
    if changed:
        scene_images_changed_notify(scene_id=_scene_id(instance))
        if isinstance(instance, Scene):
            instance.preparation_status = PreparationStatus.PENDING
    delete_files_on_commit(
        [name for field, name in old_names.items() if name and getattr(instance, field).name != name]
    )


def _fields_to_write(instance):
    """Every field but a stored scene's preparation state, which only the render service writes.

    A scene held in memory while its layers change (or while a worker prepares it)
    must not write back a stale status over the current one.
    """
    if not isinstance(instance, Scene) or instance._state.adding:
        return None
    return [
        field.name
        for field in Scene._meta.concrete_fields
        if not field.primary_key and field.name not in PREPARATION_FIELDS
    ]


def _new_file_names(instance, old_names):
    names = []
    for field in instance._meta.fields:
        if isinstance(field, models.FileField):
            name = getattr(instance, field.name).name
            if name and name != old_names.get(field.name):
                names.append(name)
    return names


def _scene_id(instance):
    if isinstance(instance, Scene):
        return instance.pk
    if isinstance(instance, Layer):
        return instance.scene_id
    return instance.layer.scene_id


def _stored_file_names(instance):
    fields = [f.name for f in instance._meta.fields if isinstance(f, models.FileField)]
    if not instance.pk or not fields:
        return {}
    row = type(instance).objects.filter(pk=instance.pk).values(*fields).first()
    return row or {}


def _stored_sha256(instance, name):
    field_file = getattr(instance, name)
    if not field_file or not field_file._committed:
        return None
    digest_field = getattr(instance, "digest_fields", {}).get(name)
    if digest_field and getattr(instance, digest_field):
        return getattr(instance, digest_field)
    try:
        return file_sha256(field_file)
    except OSError:
        return None


def _content_sha256(value):
    digest = hashlib.sha256()
    value.seek(0)
    for chunk in iter(lambda: value.read(1024 * 1024), b""):
        digest.update(chunk)
    value.seek(0)
    return digest.hexdigest()


def _grey_mask(value):
    try:
        return validation.grey_mask_file(value, validation.inspect_image(value))
    except ValidationError as error:
        raise ValidationError({"mask_image": error.messages}) from None


def _projection_from_file(file):
    try:
        info = validation.inspect_image(file)
    except ValidationError as error:
        raise ValidationError({"base_image": error.messages}) from None
    projection = validation.projection_of_size(info.width, info.height)
    if projection is None:
        raise ValidationError(
            {
                "base_image": [
                    f"This image is {info.width}×{info.height}; a panorama must be 2:1 (equirectangular) "
                    "or 6:1 (legacy cube strip)."
                ]
            }
        )
    return projection


__all__ = [
    "catalog_object_save",
    "layer_create",
    "layer_delete",
    "layer_option_create",
    "layer_option_delete",
    "layer_option_update",
    "layer_update",
    "material_create",
    "material_update",
    "scene_create",
    "scene_images_changed_notify",
    "scene_update",
]
