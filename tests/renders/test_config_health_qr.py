import pytest
import zxingcpp
from PIL import Image

from catalog.models import PreparationStatus
from renders.combinations import combination_from_selection

pytestmark = pytest.mark.django_db


def test_config_describes_published_scenes_layers_and_options(client, owner_tenant, scene):
    layer = scene.layers.get(slug="layer-0")
    layer.poi_yaw, layer.poi_pitch = 30.0, 10.0
    layer.save()
    data = client.get("/api/v1/tenants/acme/config").json()
    assert data["tenant"]["slug"] == "acme" and data["tenant"]["name"] == "Acme Kitchens"
    (kitchen,) = data["scenes"]
    assert kitchen["default_view"] == {"yaw": 0.0, "pitch": 0.0, "fov": 90.0}
    assert [entry["slug"] for entry in kitchen["layers"]] == ["layer-0", "layer-1"]
    first = kitchen["layers"][0]
    assert first["poi"] == {"yaw": 30.0, "pitch": 10.0}
    assert first["default_option"] == "0"
    assert [option["code"] for option in first["options"]] == ["0", "1"]
    thumbnail = first["options"][0]["thumbnail"]
    assert thumbnail.startswith("http://testserver/media/tenants/")


def test_config_leaves_out_unpublished_and_failed_scenes(client, owner_tenant, scene):
    from tests import factories

    factories.make_scene(owner_tenant, slug="draft", layers=1, published=False)
    broken = factories.make_scene(owner_tenant, slug="broken", layers=1)
    broken.preparation_status = PreparationStatus.FAILED
    broken.save(update_fields=["preparation_status"])
    data = client.get("/api/v1/tenants/acme/config").json()
    assert [s["slug"] for s in data["scenes"]] == ["kitchen"]


def test_health_reports_each_dependency(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok", "storage": "ok"}}


def test_health_answers_503_when_storage_fails(client, monkeypatch):
    from renders import health

    def broken():
        raise ConnectionError("no route to storage")

    monkeypatch.setitem(health.CHECKS, "storage", broken)
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "error: ConnectionError"
    assert response.json()["status"] == "error"


def test_the_qr_code_encodes_the_share_url(client, owner_tenant, scene):
    build = combination_from_selection(scene=scene, selection={"layer-1": "1"}).build
    response = client.get(f"/api/v1/tenants/acme/renders/{build}/qr.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith("<svg")
    # Rasterise the SVG's modules to read it back with a real decoder.
    image = _rasterise(svg)
    (result,) = zxingcpp.read_barcodes(image)
    assert result.text == f"http://testserver/t/acme/?scene=kitchen&build={build}"


def _rasterise(svg):
    """Draw segno's SVG path (rows of "h" strokes one module high, in module units) into pixels."""
    import re

    import numpy as np

    size = int(float(re.search(r'width="([\d.]+)"', svg).group(1)))
    scale = float(re.search(r"scale\(([\d.]+)\)", svg).group(1))
    path = re.search(r' d="([^"]+)"', svg).group(1)
    pixels = np.full((size, size), 255, dtype=np.uint8)
    x = y = 0.0
    for command, first, second in re.findall(r"([MmHh])(-?[\d.]+)(?:\s+(-?[\d.]+))?", path):
        if command in "Mm":
            dx, dy = float(first), float(second)
            x, y = (dx, dy) if command == "M" else (x + dx, y + dy)
            continue
        end = x + float(first) if command == "h" else float(first)
        top = int(round((y - 0.5) * scale))
        pixels[top:top + int(scale), int(round(min(x, end) * scale)):int(round(max(x, end) * scale))] = 0
        x = end
    return Image.fromarray(pixels)


def test_the_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/tenants/{tenant}/renders" in text
    assert client.get("/api/docs/").status_code == 200
