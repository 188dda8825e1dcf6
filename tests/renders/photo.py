"""Photo-like scenes (the engine's synthetic generator) stored through the catalog services."""

import tempfile
from pathlib import Path

from django.core.files.base import ContentFile

from catalog import services
from renders.engine.synthetic import write_scene
from tests import factories


def make_photo_scene(tenant, slug="showroom", *, width=4096, options=3, seed=1):
    """A published scene of 3 layers with ``options`` textured options each (codes 0, 1, …)."""
    with tempfile.TemporaryDirectory(prefix="photo-scene-") as folder:
        scene_input = write_scene(folder, width=width, options=options, seed=seed)

        def read(image):
            path = Path(image.path)
            return ContentFile(path.read_bytes(), name=path.name)

        scene = services.scene_create(
            tenant=tenant, slug=slug, name=slug.title(), base_image=read(scene_input.base), is_published=True
        )
        for number, layer_input in enumerate(scene_input.layers):
            layer = services.layer_create(
                scene=scene, slug=f"layer-{number}", name=f"Layer {number}", mask_image=read(layer_input.mask)
            )
            for image in layer_input.options.values():
                services.layer_option_create(layer=layer, material=factories.make_material(tenant), image=read(image))
    scene.refresh_from_db()
    return scene
