"""Test data for the live browser tests, made with the catalog services like an admin would.

Run in the live server's own environment (see live.py): `manage.py shell -c "…seed()"`.
Scenes are textured (a grid on a gradient) so that sharpness and sameness show in pixels.
Layer regions are boxes in equirectangular degrees, each with its point of interest in its middle.
"""

from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np

from django.conf import settings

from catalog import services
from catalog.signals import scene_images_changed
from renders import preparation
from tests import factories

ROOM = {
    "size": (4096, 2048),  # cube faces of 1024: levels of 512 and 1024
    "layers": {
        # slug: (yaw from, yaw to, pitch from, pitch to), pitch positive looking down
        "counter": (-30, 30, 12, 40),
        "wall": (45, 85, -35, -5),
        "floor": (-180, 180, 55, 90),
    },
    "colors": [(170, 60, 50), (50, 150, 70), (60, 80, 190), (220, 200, 60)],
}
SMALL = {"size": (2048, 1024), "layers": {"counter": (-30, 30, 12, 40)}, "colors": [(170, 60, 50), (50, 150, 70)]}


@lru_cache
def _shading(size):
    width, height = size
    y, x = np.mgrid[0:height, 0:width]
    light = (0.55 + 0.45 * (y / height)).astype(np.float32)
    grid = ((x % 32) < 2) | ((y % 32) < 2)
    return np.where(grid, light * 0.35, light)[..., None]


def textured(size, tint):
    """A gradient in the tint with a fine grid: level 0 blurs the grid, the top level keeps it."""
    return (_shading(size) * np.asarray(tint, np.float32)).clip(0, 255).astype(np.uint8)


def box_mask(size, box):
    width, height = size
    yaw0, yaw1, pitch0, pitch1 = box
    mask = np.zeros((height, width), np.uint8)
    x0, x1 = int((yaw0 + 180) / 360 * width), int((yaw1 + 180) / 360 * width)
    y0, y1 = int((pitch0 + 90) / 180 * height), int((pitch1 + 90) / 180 * height)
    mask[y0:y1, x0:x1] = 255
    return mask


def make_scene(tenant, slug, spec, *, position=0, tint=(150, 140, 130)):
    size = spec["size"]
    base = factories.content(factories.image_bytes(array=textured(size, tint)), "base.png")
    scene = services.scene_create(
        tenant=tenant, slug=slug, name=slug.title(), base_image=base, is_published=True, position=position
    )
    for order, (layer_slug, box) in enumerate(spec["layers"].items()):
        mask = factories.content(factories.image_bytes(array=box_mask(size, box)), "mask.png")
        layer = services.layer_create(
            scene=scene, slug=layer_slug, name=layer_slug.title(), mask_image=mask, build_order=order,
            poi_yaw=(box[0] + box[1]) / 2, poi_pitch=min((box[2] + box[3]) / 2, 80),
        )
        for number, color in enumerate(spec["colors"]):
            material = factories.make_material(tenant, slug=f"{slug}-{layer_slug}-{number}", color=color)
            image = factories.content(factories.image_bytes(array=textured(size, color), fmt="JPEG"), "o.jpg")
            services.layer_option_create(layer=layer, material=material, image=image)
    return scene


@contextmanager
def preparation_deferred():
    """Each write would queue a preparation; the seed prepares each finished scene once instead."""
    receivers = scene_images_changed.receivers[:]
    scene_images_changed.receivers.clear()
    try:
        yield
    finally:
        scene_images_changed.receivers[:] = receivers
        scene_images_changed.sender_receivers_cache.clear()


def kiosk_key(tenant):
    """A real API key of the tenant where the API checks keys, else any string (it is ignored)."""
    try:
        from tenants.api_keys import api_key_create
    except ImportError:
        return "e2e-kiosk-key"
    return api_key_create(tenant=tenant, name="e2e kiosk")[1]


def seed():
    with preparation_deferred():
        tenant = factories.make_tenant("e2e", name="E2E Stone", primary_color="#0b7a5a")
        (Path(settings.VAR_DIR) / "kiosk-key").write_text(kiosk_key(tenant))
        scenes = [make_scene(tenant, "room", ROOM), make_scene(tenant, "studio", SMALL, position=1, tint=(90, 120, 150))]
        idle = factories.make_tenant("idle", name="Idle Stone", idle_reset_seconds=4, language="pt-br")
        scenes.append(make_scene(idle, "small", SMALL))
    for scene in scenes:
        preparation.scene_prepare(scene=scene)
