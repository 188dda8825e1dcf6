"""Every upload rule, with the message a member of staff reads."""

import io
import struct
import zlib

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from catalog import services
from catalog.models import Layer, Scene
from tests.factories import EQUIRECT_SIZE, STRIP_SIZE, content, image_bytes, mask_bytes, upload


def errors_of(call):
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def create_scene(tenant, data, name="base.png", **kwargs):
    return services.scene_create(tenant=tenant, slug="s", name="S", base_image=content(data, name), **kwargs)


def png_header_only(width, height):
    """A tiny PNG whose header claims ``width``×``height`` pixels: a decompression bomb."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_it_refuses_a_file_that_is_not_an_image(owner_tenant):
    errors = errors_of(lambda: create_scene(owner_tenant, b"plain text, not pixels", projection="equirect"))
    assert errors["base_image"] == ["This file is not a PNG, JPEG or WebP image (or it is damaged)."]


def test_it_refuses_an_image_format_other_than_png_jpeg_webp_even_named_png(owner_tenant):
    errors = errors_of(lambda: create_scene(owner_tenant, image_bytes(fmt="GIF"), projection="equirect"))
    assert errors["base_image"] == ["This is a GIF image; upload a PNG, JPEG or WebP file."]


@pytest.mark.parametrize("fmt,extension", [("JPEG", ".jpg"), ("WEBP", ".webp"), ("PNG", ".png")])
def test_it_sniffs_the_format_and_stores_its_real_extension(owner_tenant, fmt, extension):
    scene = create_scene(owner_tenant, image_bytes(fmt=fmt), name="misleading.png")
    assert scene.base_image.name.endswith(extension)
    assert "misleading" not in scene.base_image.name


def test_it_refuses_a_file_over_the_size_limit(owner_tenant, settings):
    settings.PANOCONFIG_MAX_UPLOAD_MB = 1
    noise = np.random.default_rng(1).integers(0, 255, (1024, 2048, 3), dtype=np.uint8)
    data = image_bytes(array=noise)
    assert len(data) > 1024 * 1024
    errors = errors_of(lambda: create_scene(owner_tenant, data, projection="equirect"))
    assert errors["base_image"] == [f"This file is {len(data) / 1048576:.1f} MB; the limit is 1 MB."]


def test_it_refuses_a_decompression_bomb_without_decoding_it(owner_tenant):
    bomb = png_header_only(100_000, 100_000)
    assert len(bomb) < 200
    errors = errors_of(lambda: create_scene(owner_tenant, bomb, projection="equirect"))
    assert errors["base_image"] == [
        "This image has more than 134 million pixels, the most an upload may hold."
    ]


def test_it_refuses_more_pixels_than_the_configured_limit(owner_tenant, settings):
    settings.PANOCONFIG_MAX_IMAGE_PIXELS = 1_000_000
    errors = errors_of(lambda: create_scene(owner_tenant, image_bytes(), projection="equirect"))
    assert errors["base_image"] == [
        "This image 2048×1024 has more than 1 million pixels, the most an upload may hold."
    ]


def test_it_refuses_an_aspect_that_is_neither_2_1_nor_6_1(owner_tenant):
    errors = errors_of(lambda: create_scene(owner_tenant, image_bytes((3000, 1000))))
    assert errors["base_image"] == [
        "This image is 3000×1000; a panorama must be 2:1 (equirectangular) or 6:1 (legacy cube strip)."
    ]


def test_the_aspect_must_match_the_chosen_projection(owner_tenant):
    errors = errors_of(lambda: create_scene(owner_tenant, image_bytes(EQUIRECT_SIZE), projection="strip"))
    assert errors["base_image"] == [
        "This image is 2048×1024; a scene in legacy 6:1 strip projection needs an image exactly "
        "6 times as wide as it is high (for example 6144×1024)."
    ]


def test_switching_a_stored_scene_to_the_wrong_projection_is_refused(scene):
    errors = errors_of(lambda: services.scene_update(scene=scene, projection="strip"))
    assert "6 times as wide" in errors["projection"][0]


@pytest.mark.parametrize("size,face", [((1024, 512), 256), ((1536, 256), 256)])
def test_cube_faces_must_be_at_least_512_pixels(owner_tenant, size, face):
    errors = errors_of(lambda: create_scene(owner_tenant, image_bytes(size)))
    assert errors["base_image"][0].startswith(f"This image is {size[0]}×{size[1]}, which gives cube faces of {face}")
    assert "faces must be at least 512 pixels to tile" in errors["base_image"][0]


def test_a_strip_scene_of_512_pixel_faces_is_accepted(owner_tenant):
    scene = create_scene(owner_tenant, image_bytes(STRIP_SIZE))
    assert (scene.projection, scene.width, scene.height) == ("strip", 3072, 512)


def test_a_mask_must_have_the_size_of_the_base(scene):
    errors = errors_of(
        lambda: services.layer_create(scene=scene, slug="x", name="X", mask_image=content(mask_bytes((4096, 2048))))
    )
    assert errors["mask_image"] == [
        "This image is 4096×2048 but the scene's base image is 2048×1024; every image of a scene must have the same size."
    ]


def test_an_option_image_must_have_the_size_of_the_base(scene):
    layer = scene.layers.first()
    material = layer.options.first().material
    option = layer.options.first()
    errors = errors_of(
        lambda: services.layer_option_update(option=option, image=content(image_bytes((1024, 512), fmt="JPEG")))
    )
    assert "but the scene's base image is 2048×1024" in errors["image"][0]
    assert material.pk


def test_a_new_base_of_another_size_is_refused_while_the_scene_has_layers(scene):
    errors = errors_of(lambda: services.scene_update(scene=scene, base_image=content(image_bytes((4096, 2048)))))
    assert errors["base_image"] == [
        "This image is 4096×2048 but the scene's layers and options are 2048×1024; "
        "a new base must keep the size of the scene's other images."
    ]


def test_a_colour_mask_is_stored_as_8_bit_grey_keeping_its_soft_edge(scene):
    pixels = np.zeros((1024, 2048, 3), dtype=np.uint8)
    pixels[100:200, 100:300] = 255
    pixels[100:200, 300] = 128  # an antialiased edge column
    layer = services.layer_create(scene=scene, slug="rgb", name="RGB", mask_image=content(image_bytes(array=pixels)))
    with Image.open(layer.mask_image) as stored:
        assert stored.mode == "L" and stored.format == "PNG"
        grey = np.asarray(stored)
    assert grey[150, 200] == 255 and grey[150, 300] == 128 and grey[150, 301] == 0


def test_an_alpha_mask_becomes_grey_from_its_alpha(scene):
    pixels = np.zeros((1024, 2048, 4), dtype=np.uint8)
    pixels[..., :3] = 255
    pixels[10:20, 10:20, 3] = 255
    pixels[10:20, 20, 3] = 64
    layer = services.layer_create(scene=scene, slug="rgba", name="RGBA", mask_image=content(image_bytes(array=pixels)))
    with Image.open(layer.mask_image) as stored:
        grey = np.asarray(stored)
    assert stored.mode == "L"
    assert (grey[15, 15], grey[15, 20], grey[15, 21]) == (255, 64, 0)


def test_admin_shows_the_message_under_the_field(client, owner, scene):
    client.force_login(owner)
    response = client.post(
        reverse("admin:catalog_layer_add"),
        {
            "scene": scene.pk, "slug": "small", "name": "Small", "build_order": 7,
            "mask_image": upload(mask_bytes((4096, 2048))),
            "options-TOTAL_FORMS": 0, "options-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["mask_image"] == [
        "This image is 4096×2048 but the scene's base image is 2048×1024; every image of a scene must have the same size."
    ]


def test_nothing_is_saved_when_one_inline_image_is_wrong(client, owner, owner_tenant, media_root):
    client.force_login(owner)
    response = client.post(
        reverse("admin:catalog_scene_add"),
        {
            "tenant": owner_tenant.pk, "name": "Loft", "slug": "loft", "position": 0, "projection": "equirect",
            "base_image": upload(image_bytes()),
            "default_yaw": 0, "default_pitch": 0, "default_fov": 90,
            "layers-TOTAL_FORMS": 2, "layers-INITIAL_FORMS": 0,
            "layers-0-name": "Floor", "layers-0-slug": "floor", "layers-0-build_order": 0,
            "layers-0-mask_image": upload(mask_bytes()),
            "layers-1-name": "Wall", "layers-1-slug": "wall", "layers-1-build_order": 1,
            "layers-1-mask_image": upload(mask_bytes((1024, 512))),
        },
    )
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "every image of a scene must have the same size" in formset.errors[1]["mask_image"][0]
    assert not Scene.objects.filter(slug="loft").exists()
    assert not Layer.objects.filter(slug="floor").exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_the_admin_creates_a_scene_with_its_layers_in_one_post(client, owner, owner_tenant):
    client.force_login(owner)
    rgb_mask = image_bytes(color=(255, 255, 255))
    response = client.post(
        reverse("admin:catalog_scene_add"),
        {
            "tenant": owner_tenant.pk, "name": "Loft", "slug": "loft", "position": 0, "projection": "equirect",
            "base_image": upload(image_bytes(fmt="JPEG"), "base.jpg", "image/jpeg"),
            "default_yaw": 0, "default_pitch": 0, "default_fov": 90,
            "layers-TOTAL_FORMS": 1, "layers-INITIAL_FORMS": 0,
            "layers-0-name": "Floor", "layers-0-slug": "floor", "layers-0-build_order": 0,
            "layers-0-mask_image": upload(rgb_mask),
        },
    )
    assert response.status_code == 302
    layer = Layer.objects.get(scene__slug="loft", slug="floor")
    with Image.open(layer.mask_image) as stored:
        assert stored.mode == "L"
    assert layer.scene.preparation_status == "pending"


def test_a_material_thumbnail_is_sniffed_too(owner_tenant):
    errors = errors_of(
        lambda: services.material_create(tenant=owner_tenant, slug="m", name="M", thumbnail=content(b"GIF89a....", "t.png"))
    )
    assert errors["thumbnail"] == ["This file is not a PNG, JPEG or WebP image (or it is damaged)."]


def test_image_header_reading_does_not_decode_pixels(monkeypatch):
    from catalog import validation

    calls = []
    monkeypatch.setattr(Image.Image, "load", lambda self: calls.append(1))
    info = validation.inspect_image(io.BytesIO(image_bytes()))
    assert (info.format, info.width, info.height) == ("PNG", 2048, 1024)
    assert calls == []


def test_an_option_still_needs_the_scenes_still_base_and_its_size(scene):
    option = scene.layers.first().options.last()
    still = content(image_bytes((800, 600), fmt="JPEG"), "still.jpg")
    errors = errors_of(lambda: services.layer_option_update(option=option, still_image=still))
    assert errors["still_image"] == ["Add a 2D still base image to the scene before option stills."]
    services.scene_update(scene=scene, still_base_image=content(image_bytes((1200, 900), fmt="JPEG"), "s.jpg"))
    option.refresh_from_db()
    errors = errors_of(lambda: services.layer_option_update(option=option, still_image=still))
    assert errors["still_image"] == [
        "This image is 800×600 but the scene's 2D still base image is 1200×900; "
        "every image of a scene must have the same size."
    ]


def test_a_tenant_logo_is_sniffed_too(owner_tenant):
    owner_tenant.logo = content(image_bytes((64, 64), fmt="GIF"), "logo.png")
    errors = errors_of(owner_tenant.full_clean)
    assert errors["logo"] == ["This is a GIF image; upload a PNG, JPEG or WebP file."]
