"""Small builders for tests: tenants, staff users and tiny but valid scenes."""

import functools
import io
import itertools

import numpy as np
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog import services
from tenants.models import AllowedOrigin, Tenant
from tenants.services import membership_create

# The smallest panoramas validation accepts: cube faces of 512 pixels.
EQUIRECT_SIZE = (2048, 1024)
STRIP_SIZE = (3072, 512)
_counter = itertools.count(1)


def image_bytes(size=EQUIRECT_SIZE, *, mode="RGB", color=(120, 90, 60), fmt="PNG", array=None):
    if array is None:
        return _solid_image_bytes(tuple(size), mode, color, fmt)
    return _encode(Image.fromarray(array), fmt)


@functools.lru_cache(maxsize=64)
def _solid_image_bytes(size, mode, color, fmt):
    return _encode(Image.new(mode, size, color), fmt)


def _encode(image, fmt):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def upload(data, name="image.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def content(data, name="image.png"):
    return ContentFile(data, name=name)


@functools.lru_cache(maxsize=64)
def mask_bytes(size=EQUIRECT_SIZE, box=None):
    """An 8-bit grey mask: 255 inside ``box`` (x0, y0, x1, y1), a half-grey edge column, 0 elsewhere."""
    width, height = size
    x0, y0, x1, y1 = box or (width // 4, height // 2, width // 2, height * 3 // 4)
    pixels = np.zeros((height, width), dtype=np.uint8)
    pixels[y0:y1, x0:x1] = 255
    pixels[y0:y1, x1] = 128
    return image_bytes(array=pixels)


def make_tenant(slug=None, **fields):
    slug = slug or f"tenant-{next(_counter)}"
    tenant = Tenant.objects.create(slug=slug, name=fields.pop("name", slug.title()), **fields)
    AllowedOrigin.objects.create(tenant=tenant, origin=f"https://{slug}.example.com")
    return tenant


def make_user(username=None, *, tenant=None, is_staff=True, is_superuser=False, password="pw-for-tests-1"):
    username = username or f"user-{next(_counter)}"
    user = get_user_model().objects.create_user(
        username=username, password=password, is_staff=is_staff, is_superuser=is_superuser
    )
    if tenant is not None:
        membership_create(user=user, tenant=tenant)
    return user


def make_material(tenant, slug=None, color=(200, 200, 200)):
    slug = slug or f"material-{next(_counter)}"
    return services.material_create(
        tenant=tenant, slug=slug, name=slug.replace("-", " ").title(),
        thumbnail=content(image_bytes((64, 64), color=color)),
    )


def make_scene(tenant, slug="kitchen", *, layers=2, options=2, size=EQUIRECT_SIZE, published=True):
    """A valid scene of solid colours: ``layers`` layers with ``options`` options each."""
    scene = services.scene_create(
        tenant=tenant, slug=slug, name=slug.title(), base_image=content(image_bytes(size)), is_published=published
    )
    width, height = size
    for index in range(layers):
        box = (index * width // 8, height // 2, (index + 1) * width // 8, height * 3 // 4)
        layer = services.layer_create(
            scene=scene, slug=f"layer-{index}", name=f"Layer {index}", mask_image=content(mask_bytes(size, box))
        )
        for number in range(options):
            material = make_material(tenant, color=(40 * number, 80, 120))
            image = None if number == 0 else content(image_bytes(size, color=(30 * number, 60, 90)), "o.jpg")
            services.layer_option_create(layer=layer, material=material, image=image)
    scene.refresh_from_db()
    return scene
