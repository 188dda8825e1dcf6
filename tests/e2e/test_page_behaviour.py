"""The page's own behaviour against a hand-written API (tests/e2e/fake_api.py), where timing
can be held still: progressive levels, the crossfade, debouncing, messages, idle reset.
The real service and worker are exercised in test_totem_live.py."""

import re

import numpy as np
import pytest

from tests import factories
from tests.e2e import fake_api
from tests.e2e.browser import VIEWPORT, metric, needs_chromium, panorama_pixels, wait_shown

pytestmark = [needs_chromium, pytest.mark.slow]


@pytest.fixture
def totem_url(live_server, settings, transactional_db, monkeypatch):
    settings.ROOT_URLCONF = "tests.e2e.fake_api"
    # The page embeds the catalog the config API would give: the fake's, here.
    monkeypatch.setattr("totem.selectors.tenant_config_data", lambda *, tenant, request: fake_api.config_document(tenant.slug))
    factories.make_tenant("fake", idle_reset_seconds=4)
    return f"{live_server.url}/t/fake/"


class HeldRoutes:
    """Requests matching a pattern wait until the test releases them."""

    def __init__(self, page, pattern):
        self.held = []
        self.released = False
        page.route(pattern, self.hold)

    def hold(self, route):
        if self.released:
            route.continue_()
        else:
            self.held.append(route)

    def release(self):
        self.released = True
        for route in self.held:
            route.continue_()


def test_it_shows_the_lowest_level_first_then_the_top_level(page, totem_url):
    top_level = HeldRoutes(page, re.compile(r"/fake-tiles/[^/]+/[a-z]/1/"))
    page.goto(totem_url)
    wait_shown(page)
    page.wait_for_timeout(1500)  # the fake stores level 1 after 0.6 s; its tiles are held

    low = panorama_pixels(page)
    assert page.evaluate("document.body.dataset.levelsLoaded") == "1"
    assert top_level.held, "the page asked for top-level tiles once the level was stored"
    top_level.release()
    page.wait_for_function("() => document.body.dataset.levelsLoaded === '2'")
    page.wait_for_function("() => document.body.dataset.sharp === document.body.dataset.shown")
    page.wait_for_timeout(200)

    high = panorama_pixels(page)
    assert low.mean() > 40, "never black: level 0 was on screen"
    # The fake's level-0 tiles are 20 % darker: the whole view got brighter with level 1.
    assert high.mean() > low.mean() * 1.15


def test_it_keeps_the_old_combination_until_the_new_one_can_be_shown(page, totem_url):
    page.goto(totem_url)
    wait_shown(page, "kaaa")
    before = panorama_pixels(page)
    new_tiles = HeldRoutes(page, re.compile(r"/fake-tiles/kbaa/"))

    page.click("#options .option[data-option='b']")
    page.wait_for_timeout(1200)

    assert page.evaluate("document.body.dataset.shown") == "kaaa"
    assert np.abs(panorama_pixels(page) - before).max() < 8, "the old picture stays, no black flash"
    new_tiles.release()
    wait_shown(page, "kbaa")
    assert np.abs(panorama_pixels(page) - before).mean() > 20


def test_it_crossfades_in_about_300_ms(page, totem_url):
    page.goto(totem_url)
    wait_shown(page, "kaaa")

    page.click("#options .option[data-option='c']")
    wait_shown(page, "kcaa")

    tap = metric(page, "tap")[-1]["t"]
    fade_start = metric(page, "shown")[-1]["t"]
    fade_end = metric(page, "faded")[-1]["t"]
    assert fade_start - tap >= 150, "taps are debounced"
    assert 250 <= fade_end - fade_start <= 700


def test_it_sends_one_request_for_quick_taps_and_shows_the_last(page, totem_url):
    page.goto(totem_url)
    wait_shown(page, "kaaa")
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.post_data_json))

    for code in "bcd":
        page.click(f"#options .option[data-option='{code}']")
        page.wait_for_timeout(40)
    wait_shown(page, "kdaa")

    assert [post["selection"]["counter"] for post in posts] == ["d"]
    assert page.get_attribute("#options .option[data-option='d']", "aria-pressed") == "true"
    assert page.url.endswith("?scene=kitchen&build=kdaa")


def test_a_newer_tap_aborts_the_request_in_flight(page, totem_url):
    page.goto(totem_url)
    wait_shown(page, "kaaa")
    held = []
    page.route("**/api/v1/tenants/fake/renders", lambda route: held.append(route) if not held else route.continue_())
    failures = []
    page.on("requestfailed", lambda request: failures.append(request.post_data_json))

    page.click("#options .option[data-option='b']")
    page.wait_for_timeout(400)
    assert len(held) == 1, "the first request is still in flight"
    page.click("#options .option[data-option='c']")
    wait_shown(page, "kcaa")

    assert [failed["selection"]["counter"] for failed in failures] == ["b"]
    assert page.url.endswith("build=kcaa")


def test_the_full_screen_button_enters_and_leaves_full_screen(page, totem_url):
    page.goto(totem_url)
    wait_shown(page, "kaaa")
    assert page.is_visible("#fullscreen")

    page.click("#fullscreen")
    page.wait_for_function("() => document.fullscreenElement === document.documentElement")
    page.wait_for_function("() => document.querySelector('#fullscreen').getAttribute('aria-pressed') === 'true'")
    page.click("#fullscreen")
    page.wait_for_function("() => document.fullscreenElement === null")
    page.wait_for_function("() => document.querySelector('#fullscreen').getAttribute('aria-pressed') === 'false'")


def _touch(session, kind, points):
    session.send("Input.dispatchTouchEvent", {
        "type": kind, "touchPoints": [{"x": x, "y": y, "id": number} for number, (x, y) in enumerate(points)],
    })


def test_a_pinch_zooms_the_panorama_and_never_the_page(browser, totem_url):
    context = browser.new_context(viewport=VIEWPORT, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(totem_url)
        wait_shown(page, "kaaa")
        session = context.new_cdp_session(page)
        fov_before = page.evaluate("() => window.totemView().fov()")
        x, y = VIEWPORT["width"] / 2, VIEWPORT["height"] / 2
        _touch(session, "touchStart", [(x - 40, y), (x + 40, y)])
        for step in range(1, 11):
            _touch(session, "touchMove", [(x - 40 - 15 * step, y), (x + 40 + 15 * step, y)])
            page.wait_for_timeout(16)
        _touch(session, "touchEnd", [])
        page.wait_for_timeout(300)

        fov_after = page.evaluate("() => window.totemView().fov()")
        assert fov_after < fov_before * 0.8, (fov_before, fov_after)
        assert page.evaluate("() => window.visualViewport.scale") == 1
    finally:
        context.close()


def test_left_alone_it_resets_once_then_turns_by_itself(page, totem_url):
    page.goto(totem_url)
    wait_shown(page, "kaaa")
    yaw = "() => window.totemView().yaw()"
    start = page.evaluate(yaw)
    page.wait_for_timeout(3_000)
    assert page.evaluate(yaw) == start, "nothing moves while the idle delay runs"
    # This tenant resets after 4 s idle (+ a 3 s notice); rotation starts 20 s after the view last
    # changed, i.e. after the reset, and the reset does not come back while nobody touches.
    page.wait_for_function(f"s => Math.abs(({yaw})() - s) > 0.05", arg=start, timeout=35_000)
    first = page.evaluate(yaw)
    page.wait_for_timeout(1_000)
    assert page.evaluate(yaw) != first, "it keeps turning"
    assert len(metric(page, "idle-reset")) == 1
    assert not page.is_visible("#idle-dialog")

    page.mouse.click(10, 300)  # a customer: the idle watch runs again
    page.wait_for_selector("#idle-dialog[open]", timeout=10_000)
