"""Import of a client folder in the prototype's layout (DESIGN.md, "Legacy import layout").

    DIR/<client>_cfg.json
    DIR/scenes/<id>/base_<id>.png|jpg, masks/<mask>, materials/<file>, [2d_base_<id>.jpg]

The config is parsed and every named file checked before anything is written;
the writes run in one transaction through catalog.services, and files stored
before a failure are removed again. Re-running updates rows in place.
"""

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from PIL import Image

from catalog import services
from catalog.models import Layer, LayerOption, Material, Scene
from tenants.models import Tenant

THUMBNAIL_SIZE = 256


class LegacyImportError(Exception):
    """A problem with the folder, worded for the person who runs the import."""


@dataclass
class Item:
    slug: str
    label: str
    position: int
    image: Path | None
    thumbnail: Path | None
    where: str


@dataclass
class LayerSpec:
    slug: str
    label: str
    build_order: int
    mask: Path
    items: list
    where: str


@dataclass
class SceneSpec:
    slug: str
    label: str
    position: int
    base: Path
    still: Path | None
    layers: list
    where: str


@dataclass
class Config:
    client_slug: str
    client_label: str
    default_fov: float | None
    scenes: list


# --- Reading the folder ---------------------------------------------------------


def read_config(folder):
    folder = Path(folder)
    if not folder.is_dir():
        raise LegacyImportError(f"{folder} is not a folder.")
    candidates = sorted(folder.glob("*_cfg.json"))
    if len(candidates) != 1:
        found = ", ".join(p.name for p in candidates) or "none"
        raise LegacyImportError(f"Expected exactly one <client>_cfg.json in {folder} (found: {found}).")
    path = candidates[0]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LegacyImportError(f"{path.name} is not valid JSON: {error}.") from None
    return _config(data, folder, path.name)


def _config(data, folder, name):
    root = _object(data, name)
    client = _object(_key(root, "client", name), f"{name}: client")
    viewer = root.get("viewer") or {}
    fov = _object(viewer, f"{name}: viewer").get("defaultFov")
    if fov is not None and not isinstance(fov, (int, float)):
        raise LegacyImportError(f"{name}: viewer.defaultFov must be a number.")
    scenes = _object(_key(root, "scenes", name), f"{name}: scenes")
    if not scenes:
        raise LegacyImportError(f"{name}: scenes is empty.")
    return Config(
        client_slug=_slug(_key(client, "id", f"{name}: client"), f"{name}: client.id"),
        client_label=_text(client.get("label") or client["id"]),
        default_fov=fov,
        scenes=[_scene(scene_id, scene, folder, name) for scene_id, scene in scenes.items()],
    )


def _scene(scene_id, data, folder, name):
    where = f"scene {scene_id!r}"
    data = _object(data, f"{name}: {where}")
    scene_folder = folder / "scenes" / _safe_part(str(data.get("id", scene_id)), where)
    base = _first_existing(scene_folder, [f"base_{scene_id}.png", f"base_{scene_id}.jpg", f"base_{scene_id}.jpeg"])
    if base is None:
        raise LegacyImportError(f"{where}: no base image scenes/{scene_id}/base_{scene_id}.png or .jpg.")
    still = _first_existing(scene_folder, [f"2d_base_{scene_id}.jpg"])
    layers = _list(_key(data, "layers", where), f"{where}: layers")
    return SceneSpec(
        slug=_slug(data.get("id", scene_id), f"{where}: id"),
        label=_text(data.get("label") or scene_id),
        position=_int(data.get("scene_index", 0), f"{where}: scene_index"),
        base=base,
        still=still,
        layers=[_layer(layer, scene_folder, f"{where}, layer {index}") for index, layer in enumerate(layers)],
        where=where,
    )


def _layer(data, scene_folder, where):
    data = _object(data, where)
    layer_id = _key(data, "id", where)
    where = f"{where.rsplit(',', 1)[0]}, layer {layer_id!r}"
    mask = _file(scene_folder / "masks", _key(data, "mask", where), f"{where}: mask")
    items = _list(_key(data, "items", where), f"{where}: items")
    return LayerSpec(
        slug=_slug(layer_id, f"{where}: id"),
        label=_text(data.get("label") or layer_id),
        build_order=_int(_key(data, "build_order", where), f"{where}: build_order"),
        mask=mask,
        items=[_item(item, scene_folder, f"{where}, item {index}") for index, item in enumerate(items)],
        where=where,
    )


def _item(data, scene_folder, where):
    data = _object(data, where)
    item_id = _key(data, "id", where)
    where = f"{where.rsplit(',', 1)[0]}, item {item_id!r}"
    materials = scene_folder / "materials"
    image = None if data.get("file") is None else _file(materials, data["file"], f"{where}: file")
    thumbnail = None
    if data.get("thumbnail"):
        # A named thumbnail that is not there is generated, like a missing one.
        candidate = _child(materials, data["thumbnail"], f"{where}: thumbnail")
        thumbnail = candidate if candidate.is_file() else None
    return Item(
        slug=_slug(item_id, f"{where}: id"),
        label=_text(data.get("label") or item_id),
        position=_int(data.get("index", 0), f"{where}: index"),
        image=image,
        thumbnail=thumbnail,
        where=where,
    )


def _object(value, where):
    if not isinstance(value, dict):
        raise LegacyImportError(f"{where} must be a JSON object.")
    return value


def _list(value, where):
    if not isinstance(value, list):
        raise LegacyImportError(f"{where} must be a JSON list.")
    return value


def _key(data, key, where):
    if key not in data or data[key] is None:
        raise LegacyImportError(f"{where}: {key!r} is missing.")
    return data[key]


def _int(value, where):
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).lstrip("-").isdigit():
        raise LegacyImportError(f"{where} must be an integer (got {value!r}).")
    number = int(value)
    if number < 0:
        raise LegacyImportError(f"{where} must not be negative (got {number}).")
    return number


def _text(value):
    return str(value)[:120]


def _slug(value, where):
    slug = slugify(str(value))[:60]
    if not slug:
        raise LegacyImportError(f"{where}: {value!r} gives an empty slug.")
    return slug


def _safe_part(name, where):
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise LegacyImportError(f"{where}: id {name!r} cannot name a folder.")
    return name


def _child(folder, name, where):
    if not isinstance(name, str) or not name:
        raise LegacyImportError(f"{where} must be a file name.")
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise LegacyImportError(f"{where}: {name!r} is outside {folder.name}/.")
    return path


def _file(folder, name, where):
    path = _child(folder, name, where)
    if not path.is_file():
        raise LegacyImportError(f"{where}: file {folder.parent.name}/{folder.name}/{name} is missing.")
    return path


def _first_existing(folder, names):
    for name in names:
        if (folder / name).is_file():
            return folder / name
    return None


# --- Writing ----------------------------------------------------------------------


def import_folder(folder, *, tenant_slug=None, log=lambda line: None):
    """Import (or update) everything the folder describes; returns the tenant."""
    config = read_config(folder)
    slug = tenant_slug or config.client_slug
    with services.files_removed_on_failure(), transaction.atomic():
        tenant, created = Tenant.objects.get_or_create(slug=slug, defaults={"name": config.client_label})
        log(f"Tenant {slug}: {'created' if created else 'exists'}.")
        for spec in config.scenes:
            scene = _import_scene(tenant, spec, config)
            log(f"Scene {scene.slug}: {scene.layers.count()} layers ({scene.get_projection_display()}).")
    return tenant


def _import_scene(tenant, spec, config):
    fields = {
        "name": spec.label,
        "position": spec.position,
        "base_image": _content(spec.base),
        "still_base_image": _content(spec.still) if spec.still else None,
    }
    if config.default_fov is not None:
        fields["default_fov"] = config.default_fov
    with _named_errors(spec.where):
        scene = Scene.objects.filter(tenant=tenant, slug=spec.slug).first()
        if scene is None:
            scene = services.scene_create(tenant=tenant, slug=spec.slug, **fields)
        else:
            scene.layers.exclude(slug__in=[layer.slug for layer in spec.layers]).delete()
            scene = services.scene_update(scene=scene, projection=_projection(spec.base), **fields)
    for layer_spec in spec.layers:
        _import_layer(scene, layer_spec, spec.base)
    return scene


def _import_layer(scene, spec, base_path):
    fields = {"name": spec.label, "build_order": spec.build_order, "mask_image": _content(spec.mask)}
    with _named_errors(spec.where):
        layer = Layer.objects.filter(scene=scene, slug=spec.slug).first()
        if layer is None:
            layer = services.layer_create(scene=scene, slug=spec.slug, **fields)
        else:
            layer = services.layer_update(layer=layer, **fields)
    layer.options.exclude(material__slug__in=[item.slug for item in spec.items]).delete()
    mask = _pixels(spec.mask, "L")
    for item in spec.items:
        _import_item(scene, layer, item, mask, base_path)


def _import_item(scene, layer, item, mask, base_path):
    if item.thumbnail:
        thumbnail = item.thumbnail.read_bytes()
    else:
        thumbnail = generated_thumbnail(_pixels(item.image or base_path, "RGB"), mask)
    with _named_errors(item.where):
        material = Material.objects.filter(tenant=scene.tenant, slug=item.slug).first()
        if material is None:
            material = services.material_create(
                tenant=scene.tenant, slug=item.slug, name=item.label, thumbnail=ContentFile(thumbnail, "t.jpg")
            )
        fields = {
            "image": _content(item.image) if item.image else None,
            "thumbnail": ContentFile(thumbnail, name="thumbnail.jpg"),
            "position": item.position,
        }
        option = LayerOption.objects.filter(layer=layer, material=material).first()
        if option is None:
            services.layer_option_create(layer=layer, material=material, **fields)
        else:
            services.layer_option_update(option=option, **fields)


def generated_thumbnail(image, mask, size=THUMBNAIL_SIZE):
    """A square JPEG: the image cropped to the mask's bounding box (the whole image if empty)."""
    rows = np.flatnonzero(mask.max(axis=1) > 0)
    cols = np.flatnonzero(mask.max(axis=0) > 0)
    if len(rows) and len(cols):
        image = image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = Image.fromarray(image[top : top + side, left : left + side]).resize((size, size), Image.LANCZOS)
    buffer = io.BytesIO()
    square.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


class _named_errors:
    """Turns a validation or integrity error into an LegacyImportError naming the config entry."""

    def __init__(self, where):
        self.where = where

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if isinstance(error, ValidationError):
            messages = "; ".join(
                f"{field}: {' '.join(texts)}" for field, texts in getattr(error, "message_dict", {"": error.messages}).items()
            )
            raise LegacyImportError(f"{self.where}: {messages}") from None
        if isinstance(error, IntegrityError):
            raise LegacyImportError(f"{self.where}: {error}") from None
        return False


def _content(path):
    return ContentFile(path.read_bytes(), name=path.name)


def _pixels(path, mode):
    with Image.open(path) as image:
        return np.asarray(image.convert(mode))


def _projection(path):
    from catalog import validation

    with Image.open(path) as image:
        return validation.projection_of_size(*image.size) or "equirect"
