"""Headless Chromium (Debian's package) through Playwright, and pixels out of screenshots."""

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CHROMIUM = Path(os.environ.get("PANOCONFIG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1024, "height": 640}

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
)


def pixels(page, **options):
    """The page as an RGB array (height, width, 3)."""
    return np.asarray(Image.open(io.BytesIO(page.screenshot(**options))).convert("RGB")).astype(np.int16)


def panorama_pixels(page):
    """Only the panorama between the top bar and the bottom panel."""
    image = pixels(page)
    top = page.eval_on_selector(".bar.top", "e => e.getBoundingClientRect().bottom")
    bottom = page.eval_on_selector(".bar.bottom", "e => e.getBoundingClientRect().top")
    return image[int(top) + 2 : int(bottom) - 2]


def wait_shown(page, build=None, timeout=20_000):
    """Waits until a build (or any) is on screen and its crossfade is over."""
    if build:
        page.wait_for_function("b => document.body.dataset.shown === b", arg=build, timeout=timeout)
    else:
        page.wait_for_function("() => Boolean(document.body.dataset.shown)", timeout=timeout)
    page.wait_for_timeout(450)


def wait_sharp(page, timeout=60_000):
    page.wait_for_function(
        "() => document.body.dataset.sharp && document.body.dataset.sharp === document.body.dataset.shown",
        timeout=timeout,
    )
    page.wait_for_timeout(150)


def metric(page, name):
    return page.evaluate("n => (window.totemMetrics || []).filter(m => m.name === n)", name)
