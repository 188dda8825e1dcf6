"""seed_demo: the demo tenant, its generated kitchen scene and two users. Safe to re-run."""

import io
import os
import secrets

import numpy as np
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from PIL import Image

from catalog import services
from catalog.demo_materials import MATERIALS, swatch
from catalog.demo_scene import LAYERS, Kitchen
from catalog.models import Layer, LayerOption, Material, Scene
from tenants.models import AllowedOrigin, Tenant
from tenants.services import membership_create

TENANT_SLUG = "demo"
SCENE_SLUG = "kitchen"
ORIGINS = ("http://127.0.0.1:8000", "http://localhost:8000")


class Command(BaseCommand):
    help = "Create (or bring up to date) the demo tenant, its kitchen scene and the demo users."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=4096, help="Panorama width in pixels (2:1; at least 2048).")
        parser.add_argument("--force", action="store_true", help="Regenerate the scene's images even if complete.")

    def handle(self, *args, size, force, **options):
        if size < 2048 or size % 4:
            raise CommandError("--size must be a multiple of 4 and at least 2048 (cube faces of 512 pixels).")
        tenant = self._tenant()
        self._users(tenant)
        scene = Scene.objects.filter(tenant=tenant, slug=SCENE_SLUG).first()
        if scene is not None and not force and _is_complete(scene):
            self.stdout.write(f"Scene {TENANT_SLUG}/{SCENE_SLUG} exists and is complete (--force regenerates it).")
            return
        self.stdout.write(f"Generating the kitchen at {size}×{size // 2}…")
        images = render_images(size)
        with services.files_removed_on_failure(), transaction.atomic():
            materials = {slug: self._material(tenant, slug) for layer in LAYERS for slug in layer.materials}
            scene = self._scene(tenant, scene, images, materials)
        self.stdout.write(self.style.SUCCESS(
            f"Scene {TENANT_SLUG}/{SCENE_SLUG}: {scene.layers.count()} layers, "
            f"{LayerOption.objects.filter(layer__scene=scene).count()} options, published."
        ))

    def _tenant(self):
        tenant, created = Tenant.objects.get_or_create(slug=TENANT_SLUG, defaults={"name": "Demo Kitchens"})
        for origin in ORIGINS:
            AllowedOrigin.objects.get_or_create(tenant=tenant, origin=origin)
        self.stdout.write(f"Tenant {TENANT_SLUG}: {'created' if created else 'exists'}.")
        return tenant

    def _users(self, tenant):
        password = os.environ.get("DEMO_ADMIN_PASSWORD", "")
        User = get_user_model()
        for username, superuser in (("admin", True), ("demo-admin", False)):
            user = User.objects.filter(username=username).first()
            if user is None:
                secret = password or secrets.token_urlsafe(12)
                if superuser:
                    user = User.objects.create_superuser(username=username, email="", password=secret)
                else:
                    user = User.objects.create_user(username=username, password=secret, is_staff=True)
                shown = "from DEMO_ADMIN_PASSWORD" if password else secret
                self.stdout.write(self.style.WARNING(f"User {username} created, password: {shown}"))
            elif password and not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
                self.stdout.write(f"User {username} exists; password reset to DEMO_ADMIN_PASSWORD.")
            else:
                self.stdout.write(f"User {username} exists (password unchanged).")
            if not superuser:
                membership_create(user=user, tenant=tenant)

    def _material(self, tenant, slug):
        spec = MATERIALS[slug]
        # A small JPEG: the totem shows it at 72 px (2x for dense screens), and it is its largest paint.
        thumbnail = ContentFile(_jpeg(swatch(slug, size=160), quality=85), name="thumbnail.jpg")
        fields = {"name": spec.name, "sku": spec.sku, "thumbnail": thumbnail}
        material = Material.objects.filter(tenant=tenant, slug=slug).first()
        if material is None:
            return services.material_create(tenant=tenant, slug=slug, **fields)
        return services.material_update(material=material, **fields)

    def _scene(self, tenant, scene, images, materials):
        base = ContentFile(images["base"], name="base.jpg")
        fields = {"name": "Kitchen", "position": 0, "default_yaw": 0.0, "default_pitch": 10.0, "default_fov": 90.0}
        if scene is None:
            scene = services.scene_create(tenant=tenant, slug=SCENE_SLUG, base_image=base, **fields)
        else:
            scene.layers.exclude(slug__in=[layer.slug for layer in LAYERS]).delete()
            if (scene.width, scene.height) != _size(images["base"]):
                scene.layers.all().delete()  # another size: the old masks and options cannot stay
            scene = services.scene_update(scene=scene, base_image=base, projection="equirect", **fields)
        for order, demo_layer in enumerate(LAYERS):
            self._layer(scene, order, demo_layer, images, materials)
        return services.scene_update(scene=scene, is_published=True)

    def _layer(self, scene, order, demo_layer, images, materials):
        mask = ContentFile(images[demo_layer.slug], name="mask.png")
        yaw, pitch = demo_layer.poi
        fields = {"name": demo_layer.name, "build_order": order, "mask_image": mask, "poi_yaw": yaw, "poi_pitch": pitch}
        layer = Layer.objects.filter(scene=scene, slug=demo_layer.slug).first()
        if layer is None:
            layer = services.layer_create(scene=scene, slug=demo_layer.slug, **fields)
        else:
            layer = services.layer_update(layer=layer, **fields)
        layer.options.exclude(material__slug__in=demo_layer.materials).delete()
        first = None
        for position, slug in enumerate(demo_layer.materials):
            data = images.get((demo_layer.slug, slug))
            image = ContentFile(data, name="option.jpg") if data else None  # the first keeps the base
            option = LayerOption.objects.filter(layer=layer, material=materials[slug]).first()
            if option is None:
                option = services.layer_option_create(
                    layer=layer, material=materials[slug], image=image, position=position
                )
            else:
                option = services.layer_option_update(option=option, image=image, position=position)
            first = first or option
        return services.layer_update(layer=layer, default_option=first)


def render_images(size):
    """Encoded files of the kitchen: the base, each mask, each option image but the first."""
    kitchen = Kitchen(size)
    images = {"base": _jpeg(kitchen.base(), quality=92)}
    for layer in LAYERS:
        images[layer.slug] = _png(kitchen.mask(layer))
        for slug in layer.materials[1:]:
            images[(layer.slug, slug)] = _jpeg(kitchen.option(layer, slug), quality=90)
    return images


def _is_complete(scene):
    layers = list(scene.layers.prefetch_related("options"))
    return (
        scene.is_published
        and {layer.slug for layer in layers} == {layer.slug for layer in LAYERS}
        and all(len(layer.options.all()) == len(demo.materials) for layer, demo in zip(layers, LAYERS))
    )


def _size(data):
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def _png(pixels):
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def _jpeg(pixels, quality):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()
