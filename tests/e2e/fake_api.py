"""A hand-written stand-in for the render API (DESIGN.md shapes), for browser tests of the
page's own behaviour (progressive levels, crossfade, messages) without the engine.

Tiles are flat colours: each layer's option tints one face, so a choice changes one face only.
Test-only: never imported by production code.
"""

import hashlib
import io
import json
import time

from django.http import Http404, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from PIL import Image

LEVELS = [{"tileSize": 512, "size": 512}, {"tileSize": 512, "size": 1024}]
FACES = "fbrlud"
LAYER_FACES = {"counter": "f", "floor": "d", "wall": "r"}
OPTION_COLORS = {"a": (200, 60, 60), "b": (60, 160, 60), "c": (60, 60, 200), "d": (200, 200, 60)}
SECONDS_PER_LEVEL = 0.6
_started = {}


def config_document(tenant):
    layers = [
        {
            "slug": slug, "name": slug.title(), "default_option": "a",
            "poi": {"yaw": {"f": 0, "d": 0, "r": 90}[face], "pitch": 60 if face == "d" else 0},
            "options": [{"code": code, "name": f"Stone {code.upper()}", "thumbnail": ""} for code in OPTION_COLORS],
        }
        for slug, face in LAYER_FACES.items()
    ]
    view = {"yaw": 0, "pitch": 0, "fov": 100}
    return {"tenant": tenant, "scenes": [{"slug": "kitchen", "name": "Kitchen", "default_view": view, "layers": layers}]}


def _build_of(selection):
    text = "".join(selection.get(layer, "a") for layer in LAYER_FACES)
    return f"k{text}"


def _selection_of(build):
    if not build.startswith("k") or len(build) != 1 + len(LAYER_FACES):
        raise Http404
    return dict(zip(LAYER_FACES, build[1:]))


def render_document(tenant, build):
    selection = _selection_of(build)
    started = _started.setdefault(build, time.monotonic())
    levels_ready = min(len(LEVELS), int((time.monotonic() - started) / SECONDS_PER_LEVEL) + 1)
    ready = levels_ready == len(LEVELS)
    tiles = {}
    for z, level in enumerate(LEVELS):
        per_side = level["size"] // level["tileSize"]
        for face in FACES:
            for x in range(per_side):
                for y in range(per_side):
                    tiles[f"{face}/{z}/{x}/{y}"] = f"/fake-tiles/{build}/{face}/{z}/{x}/{y}.jpg"
    return {
        "build": build, "scene": "kitchen", "selection": selection,
        "status": "ready" if ready else "rendering",
        "progress": {"tiles_done": levels_ready * 10, "tiles_total": 30, "levels_ready": levels_ready},
        "status_url": f"/api/v1/tenants/{tenant}/renders/{build}",
        "viewer": {"levels": LEVELS, "tiles": tiles},
    }


def config(request, tenant):
    return JsonResponse(config_document(tenant))


@csrf_exempt
def renders(request, tenant):
    selection = json.loads(request.body or b"{}").get("selection", {})
    document = render_document(tenant, _build_of(selection))
    return JsonResponse(document, status=200 if document["status"] == "ready" else 202)


def render_status(request, tenant, build):
    document = render_document(tenant, build)
    return JsonResponse(document, status=200 if document["status"] == "ready" else 202)


def tile(request, build, face, z, x, y):
    selection = _selection_of(build)
    color = (90, 90, 90)
    for layer, layer_face in LAYER_FACES.items():
        if layer_face == face:
            color = OPTION_COLORS[selection[layer]]
    # Level 0 is a little darker, so a test sees the sharper level arrive.
    shade = 0.8 if z == 0 else 1.0
    image = Image.new("RGB", (512, 512), tuple(int(c * shade) for c in color))
    digest = int(hashlib.sha1(f"{face}{x}{y}".encode()).hexdigest(), 16)
    image.putpixel((digest % 512, 7), (255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return HttpResponse(buffer.getvalue(), content_type="image/jpeg")


urlpatterns = [
    path("", include("totem.urls")),
    path("api/v1/tenants/<slug:tenant>/config", config),
    path("api/v1/tenants/<slug:tenant>/renders", renders),
    path("api/v1/tenants/<slug:tenant>/renders/<str:build>", render_status),
    path("fake-tiles/<str:build>/<str:face>/<int:z>/<int:x>/<int:y>.jpg", tile),
]
