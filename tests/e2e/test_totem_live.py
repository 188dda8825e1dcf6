"""The totem in headless Chromium against a live web server and a real Celery worker
(tests/e2e/live.py), checked by the pixels on screen."""

import io
import json
import urllib.request

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from tests.e2e.browser import needs_chromium, panorama_pixels, pixels, wait_sharp, wait_shown
from tests.e2e.seed import ROOM

pytestmark = [needs_chromium, pytest.mark.slow]


def post_render(base, tenant, scene, selection):
    request = urllib.request.Request(
        f"{base}/api/v1/tenants/{tenant}/renders",
        data=json.dumps({"scene": scene, "selection": selection}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def screen_angles(page):
    """Yaw and pitch (degrees) of every 4th pixel of the band `panorama_pixels` returns."""
    return np.array(page.evaluate("""() => {
      const view = window.totemView();
      const top = Math.ceil(document.querySelector('.bar.top').getBoundingClientRect().bottom) + 2;
      const bottom = Math.floor(document.querySelector('.bar.bottom').getBoundingClientRect().top) - 2;
      const rows = [];
      for (let y = top; y < bottom; y += 4) {
        const row = [];
        for (let x = 0; x < innerWidth; x += 4) {
          const c = view.screenToCoordinates({ x: x + 0.5, y: y + 0.5 });
          row.push([c.yaw * 180 / Math.PI, c.pitch * 180 / Math.PI]);
        }
        rows.push(row);
      }
      return rows;
    }"""))


def inside(angles, box, margin):
    yaw0, yaw1, pitch0, pitch1 = box
    yaw, pitch = angles[..., 0], angles[..., 1]
    return (yaw >= yaw0 - margin) & (yaw <= yaw1 + margin) & (pitch >= pitch0 - margin) & (pitch <= pitch1 + margin)


def sharpness(image):
    grey = image.mean(axis=2)
    return float(np.abs(np.diff(grey, axis=0)).mean() + np.abs(np.diff(grey, axis=1)).mean())


def test_the_demo_kitchen_loads_as_a_panorama_that_is_not_black(page, live_url):
    page.goto(f"{live_url}/t/demo/")
    wait_shown(page)

    image = panorama_pixels(page)
    assert image.mean() > 40
    assert (image.max(axis=2) < 12).mean() < 0.01, "no black areas"
    assert page.locator("#layers .layer").count() >= 3
    assert page.locator("#options .option").count() >= 4
    assert page.errors == []


def test_the_totem_shows_a_panorama_that_is_not_black(page, live_url):
    page.goto(f"{live_url}/t/e2e/")
    wait_shown(page)

    image = panorama_pixels(page)
    assert image.mean() > 50
    assert (image.max(axis=2) < 16).mean() < 0.01, "no black areas"
    assert page.errors == []


def test_the_scene_selector_switches_scene_and_its_layers(page, live_url):
    page.goto(f"{live_url}/t/e2e/")
    wait_shown(page)
    room = panorama_pixels(page)
    assert page.locator("#scenes .scene").all_inner_texts() == ["Room", "Studio"]
    assert page.get_attribute("#scenes .scene[data-scene='room']", "aria-pressed") == "true"
    build = page.evaluate("document.body.dataset.shown")

    page.click("#scenes .scene[data-scene='studio']")
    page.wait_for_function("b => document.body.dataset.shown !== b", arg=build)
    page.wait_for_timeout(400)

    assert "scene=studio" in page.url
    assert page.get_attribute("#scenes .scene[data-scene='studio']", "aria-pressed") == "true"
    assert page.locator("#layers .layer").all_inner_texts() == ["Counter"]
    studio = panorama_pixels(page)
    assert studio.mean() > 40
    assert np.abs(studio - room).mean() > 15, "the studio's bluish base replaced the room"


def test_arrow_keys_turn_the_view(page, live_url):
    page.goto(f"{live_url}/t/e2e/")
    wait_shown(page)
    yaw = page.evaluate("window.totemView().yaw()")

    page.keyboard.down("ArrowRight")
    page.wait_for_timeout(500)
    page.keyboard.up("ArrowRight")
    page.wait_for_timeout(300)

    assert page.evaluate("window.totemView().yaw()") > yaw + 0.1


def test_levels_arrive_up_to_the_top_level_and_sharpen_the_view(page, live_url):
    render = post_render(live_url, "e2e", "room", {"counter": "3", "wall": "3", "floor": "3"})
    for _ in range(100):
        if render["status"] == "ready":
            break
        page.wait_for_timeout(100)
        render = json.load(urllib.request.urlopen(live_url + render["status_url"]))
    top = {url for path, url in render["viewer"]["tiles"].items() if path.split("/")[1] == "1"}
    held = []
    is_top = lambda url: url in top  # noqa: E731
    page.route(is_top, lambda route: held.append(route))

    page.goto(f"{live_url}/t/e2e/?scene=room&build={render['build']}")
    wait_shown(page, render["build"])
    page.wait_for_timeout(500)
    low = panorama_pixels(page)
    assert page.evaluate("document.body.dataset.levelsLoaded") == "1"
    assert held, "top-level tiles were asked for"
    for route in held:
        route.continue_()
    page.unroute(is_top)
    page.wait_for_function("() => document.body.dataset.levelsLoaded === '2'")
    wait_sharp(page)

    high = panorama_pixels(page)
    assert len(render["viewer"]["levels"]) == 2
    assert sharpness(high) > 1.15 * sharpness(low), (sharpness(low), sharpness(high))


def test_an_option_changes_the_pixels_of_its_layer_and_not_elsewhere(page, live_url):
    page.goto(f"{live_url}/t/e2e/")
    wait_shown(page)
    page.click("#layers .layer[data-layer='counter']")  # turns the camera to the counter
    page.wait_for_timeout(1000)
    wait_sharp(page)
    before = panorama_pixels(page)
    build = page.evaluate("document.body.dataset.shown")

    page.click("#options .option[data-option='2']")  # counter: blue
    page.wait_for_function("b => document.body.dataset.shown && document.body.dataset.shown !== b", arg=build)
    wait_sharp(page)

    after = panorama_pixels(page)
    angles = screen_angles(page)
    changed = (np.abs(after - before).max(axis=2) > 40)[::4, ::4][: angles.shape[0], : angles.shape[1]]
    region = inside(angles, ROOM["layers"]["counter"], margin=-2)
    near = inside(angles, ROOM["layers"]["counter"], margin=3)
    assert region.sum() > 500, "the counter is in view"
    assert changed[region].mean() > 0.9
    assert changed[~near].mean() < 0.005
    assert page.get_attribute("#options .option[data-option='2']", "aria-pressed") == "true"


def test_the_address_restores_the_same_configuration_in_a_new_page(page, browser, live_url):
    page.goto(f"{live_url}/t/e2e/")
    wait_shown(page)
    default_build = page.evaluate("document.body.dataset.shown")
    page.click("#layers .layer[data-layer='wall']")
    page.click("#options .option[data-option='1']")
    page.wait_for_function("b => document.body.dataset.shown !== b", arg=default_build)
    wall_build = page.evaluate("document.body.dataset.shown")
    page.click("#layers .layer[data-layer='counter']")
    page.click("#options .option[data-option='3']")
    page.wait_for_function("b => document.body.dataset.shown !== b", arg=wall_build)
    wait_sharp(page)
    page.wait_for_timeout(600)
    shared = page.url
    original = panorama_pixels(page)

    other = browser.new_context(viewport=page.viewport_size).new_page()
    other.goto(shared)
    wait_shown(other, page.evaluate("document.body.dataset.shown"))
    other.click("#layers .layer[data-layer='counter']")  # the same camera move as above
    wait_sharp(other)
    other.wait_for_timeout(900)

    views = [p.evaluate("JSON.stringify(window.totemView().parameters())") for p in (page, other)]
    assert other.url == shared
    assert other.get_attribute("#options .option[data-option='3']", "aria-pressed") == "true"
    assert np.abs(panorama_pixels(other) - original).mean() < 2, (views, page.evaluate("JSON.stringify(window.totemMetrics)"))
    other.click("#layers .layer[data-layer='wall']")
    assert other.get_attribute("#options .option[data-option='1']", "aria-pressed") == "true"
    other.context.close()


def test_the_qr_code_decodes_to_the_address_of_the_configuration(page, live_url):
    page.goto(f"{live_url}/t/e2e/")
    wait_shown(page)
    default_build = page.evaluate("document.body.dataset.shown")
    page.click("#options .option[data-option='1']")
    page.wait_for_function("b => document.body.dataset.shown !== b", arg=default_build)

    page.click("#take-home")
    page.wait_for_function("() => document.getElementById('share-qr').naturalWidth > 0")
    page.wait_for_timeout(200)
    image = Image.open(io.BytesIO(page.locator("#share-qr").screenshot()))

    results = zxingcpp.read_barcodes(image)
    assert [result.text for result in results] == [page.url]


def test_a_kiosk_key_in_the_fragment_is_kept_and_sent_with_every_api_call(page, live_url, kiosk_key):
    sent = []
    page.on("request", lambda request: "/api/" in request.url and sent.append(request.headers.get("x-api-key")))

    page.goto(f"{live_url}/t/e2e/#key={kiosk_key}")
    wait_shown(page)
    build = page.evaluate("document.body.dataset.shown")
    page.click("#options .option[data-option='1']")
    page.wait_for_function("b => document.body.dataset.shown !== b", arg=build)
    page.goto(f"{live_url}/t/e2e/")
    wait_shown(page)

    assert "#key" not in page.url
    assert len(sent) >= 3 and set(sent) == {kiosk_key}
    assert page.evaluate("localStorage.getItem('panoconfig.key.e2e')") == kiosk_key


def test_the_picture_button_gives_a_jpeg_to_download(page, live_url):
    page.goto(f"{live_url}/t/e2e/")
    wait_shown(page)

    page.click("#picture")
    page.wait_for_selector("#still-download:visible", timeout=30_000)
    page.wait_for_function("() => document.getElementById('still-image').complete")
    with page.expect_download() as download_info:
        page.click("#still-download")
    data = open(download_info.value.path(), "rb").read()

    assert data[:3] == b"\xff\xd8\xff"
    still = Image.open(io.BytesIO(data))
    assert still.format == "JPEG" and still.width >= 640
    assert page.evaluate("document.getElementById('still-image').naturalWidth") == still.width


def test_idle_returns_to_the_default_configuration(page, live_url):
    page.goto(f"{live_url}/t/idle/")
    wait_shown(page)
    default_build = page.evaluate("document.body.dataset.shown")
    wait_sharp(page)
    default = panorama_pixels(page)
    page.click("#options .option[data-option='1']")
    page.wait_for_function("b => document.body.dataset.shown !== b", arg=default_build)
    wait_sharp(page)
    assert (np.abs(panorama_pixels(page) - default).max(axis=2) > 40).mean() > 0.02

    page.wait_for_selector("#idle-dialog[open]", timeout=10_000)
    assert "Ainda está aí?" in page.inner_text("#idle-dialog")
    page.wait_for_function("b => document.body.dataset.shown === b", arg=default_build, timeout=15_000)
    page.wait_for_timeout(500)

    assert page.url.endswith(f"build={default_build}")
    assert page.get_attribute("#options .option[data-option='0']", "aria-pressed") == "true"
    assert np.abs(panorama_pixels(page) - default).mean() < 2


def test_a_429_says_one_moment_then_carries_on(page, live_url):
    page.goto(f"{live_url}/t/e2e/")
    wait_shown(page)
    answered = []

    def rate_limited_once(route):
        answered.append(route.request.method)
        if len(answered) == 1:
            route.fulfill(status=429, headers={"Retry-After": "1"}, json={"detail": "Request was throttled."})
        else:
            route.continue_()

    page.route("**/api/v1/tenants/e2e/renders", rate_limited_once)
    build = page.evaluate("document.body.dataset.shown")
    page.click("#options .option[data-option='1']")
    page.wait_for_selector("#notice:not([hidden])")

    assert page.inner_text("#notice-text") == "One moment…"
    assert page.is_hidden("#notice-retry")
    page.wait_for_function("b => document.body.dataset.shown !== b", arg=build, timeout=15_000)
    assert answered == ["POST", "POST"]
    assert page.is_hidden("#notice")


def test_a_server_error_shows_a_message_and_a_retry_that_works(page, live_url):
    page.goto(f"{live_url}/t/e2e/")
    wait_shown(page)
    build = page.evaluate("document.body.dataset.shown")
    page.route("**/api/v1/tenants/e2e/renders", lambda route: route.fulfill(status=500, body="Server Error"))

    page.click("#options .option[data-option='1']")
    page.wait_for_selector("#notice-retry:visible")

    assert page.inner_text("#notice-text") == "Something went wrong on our side."
    assert page.evaluate("document.body.dataset.shown") == build, "the last picture stays on screen"
    assert panorama_pixels(page).mean() > 50
    page.unroute("**/api/v1/tenants/e2e/renders")
    page.click("#notice-retry")
    page.wait_for_function("b => document.body.dataset.shown !== b", arg=build, timeout=15_000)
    assert page.is_hidden("#notice")
