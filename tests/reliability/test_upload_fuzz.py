"""Hostile and unusual uploads through the admin's scene form: a clear message on the
field, no crash, no row and no file left behind; unusual but valid images render."""

import io
import struct
import zlib

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image

from catalog.models import Scene
from tests.factories import EQUIRECT_SIZE, image_bytes, upload

pytestmark = pytest.mark.django_db


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def declared_png(width, height):
    """A tiny, well-formed PNG whose header declares ``width``×``height`` (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _png_chunk(b"IEND", b""))


def encode(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def animated(fmt):
    frames = [Image.new("RGB", EQUIRECT_SIZE, color) for color in ((200, 0, 0), (0, 200, 0))]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)


def exif_rotated():
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    return encode(Image.new("RGB", EQUIRECT_SIZE, (90, 90, 90)), "JPEG", exif=exif, quality=80)


REFUSED = {
    "truncated PNG": (lambda: image_bytes()[: len(image_bytes()) * 2 // 3], "base.png", "incomplete"),
    "truncated JPEG": (lambda: image_bytes(fmt="JPEG")[:-400], "base.jpg", "incomplete"),
    "wrong magic": (lambda: b"<?php system($_GET['c']); ?>" + b"\0" * 2000, "base.png", "not a PNG, JPEG or WebP"),
    "GIF under a PNG name": (lambda: encode(Image.new("P", EQUIRECT_SIZE), "GIF"), "base.png", "This is a GIF image"),
    "30000x30000 declared": (lambda: declared_png(30000, 30000), "bomb.png", "million pixels"),
    "animated PNG": (lambda: animated("PNG"), "anim.png", "animated image (2 frames)"),
    "animated WebP": (lambda: animated("WEBP"), "anim.webp", "animated image (2 frames)"),
    "EXIF rotation": (exif_rotated, "rotated.jpg", "EXIF orientation 6"),
    "empty file": (lambda: b"", "empty.png", "empty"),
}


def post_scene(client, tenant, data, name):
    return client.post(reverse("admin:catalog_scene_add"), {
        "tenant": tenant.pk, "name": "Fuzz", "slug": "fuzz", "position": 0, "projection": "equirect",
        "base_image": upload(data, name), "default_yaw": 0, "default_pitch": 0, "default_fov": 90,
        "layers-TOTAL_FORMS": 0, "layers-INITIAL_FORMS": 0,
    })


@pytest.mark.parametrize("case", REFUSED)
def test_a_bad_upload_gets_a_clear_message_and_leaves_nothing_behind(client, owner, owner_tenant, media_root, case):
    make, name, message = REFUSED[case]
    client.force_login(owner)

    response = post_scene(client, owner_tenant, make(), name)

    assert response.status_code == 200  # the form again, not a crash and not a redirect
    errors = response.context["adminform"].form.errors["base_image"]
    assert any(message in error for error in errors), errors
    assert not Scene.objects.filter(slug="fuzz").exists()
    assert not [path for path in media_root.rglob("*") if path.is_file()]


ACCEPTED = {
    # mode, colour, expected sRGB of the rendered tile (CMYK goes through a colour profile)
    "CMYK JPEG": (lambda: encode(Image.new("CMYK", EQUIRECT_SIZE, (0, 128, 255, 0)), "JPEG", quality=90),
                  "cmyk.jpg", lambda rgb: rgb[0] > 180 and rgb[2] < 90),
    "16-bit grey PNG": (lambda: encode(Image.new("I;16", EQUIRECT_SIZE, 40000), "PNG"),
                        "grey16.png", lambda rgb: all(abs(value - 155) <= 6 for value in rgb)),
}


@pytest.mark.parametrize("case", ACCEPTED)
def test_unusual_but_valid_images_are_accepted_and_render_right(client, settings, tmp_path, owner, owner_tenant,
                                                                case):
    from renders.preparation import scene_prepare

    settings.PANOCONFIG_PREPARED_DIR = tmp_path / "prepared"
    make, name, colour_ok = ACCEPTED[case]
    client.force_login(owner)

    response = post_scene(client, owner_tenant, make(), name)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    scene = Scene.objects.get(slug="fuzz")
    coord, key, data = next(iter(scene_prepare(scene=scene).render({})))
    with Image.open(io.BytesIO(data)) as tile:
        mean = np.asarray(tile.convert("RGB")).reshape(-1, 3).mean(axis=0)
    assert colour_ok(mean), mean
