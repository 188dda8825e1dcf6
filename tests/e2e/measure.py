"""Totem timings measured in headless Chromium against a live server and worker on this machine.

    .venv/bin/python -m tests.e2e.measure [--lighthouse /path/to/lighthouse] [--screenshots docs/img]

Prints, in milliseconds: the first non-black frame after page load (fresh combination, and the same
page again once it is cached), then per tap the first level of a new combination, its full
sharpness, and the same for a combination rendered before. Times come from the page's own
`window.totemMetrics` (performance.now()); the first frame is also checked by its pixels.
"""

import argparse
import json
import statistics
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, metric, panorama_pixels, wait_sharp, wait_shown
from tests.e2e.live import live_panoconfig

# (layer index, option index): six new combinations, then back through them, each cached by now.
TAPS = [(0, 1), (0, 2), (1, 2), (2, 1), (0, 3), (1, 1)]
TAPS_BACK = [(1, 2), (0, 2), (2, 0), (1, 0), (0, 1), (0, 0)]


def first_frame(browser, url):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(url)
    wait_shown(page)
    frame = metric(page, "first-frame")[0]["t"]
    assert panorama_pixels(page).mean() > 40, "first frame is not black"
    wait_sharp(page)
    sharp = metric(page, "sharp")[0]["t"]
    context.close()
    return frame, sharp


def taps_of(base, tenant, indices):
    with urllib.request.urlopen(f"{base}/api/v1/tenants/{tenant}/config") as response:
        layers = json.load(response)["scenes"][0]["layers"]
    return [(layers[layer]["slug"], layers[layer]["options"][option]["code"]) for layer, option in indices]


def tap(page, layer, option):
    page.click(f"#layers .layer[data-layer='{layer}']")
    page.wait_for_timeout(900)
    before = page.evaluate("document.body.dataset.shown")
    page.click(f"#options .option[data-option='{option}']")
    page.wait_for_function("b => document.body.dataset.shown !== b", arg=before, timeout=60_000)
    wait_sharp(page)
    tapped = metric(page, "tap")[-1]["t"]
    return metric(page, "shown")[-1]["t"] - tapped, metric(page, "sharp")[-1]["t"] - tapped


def summary(name, values):
    values = sorted(values)
    return f"{name}: median {statistics.median(values):.0f} ms, min {values[0]:.0f}, max {values[-1]:.0f} (n={len(values)})"


def lighthouse(binary, url, preset):
    output = Path(tempfile.mkdtemp()) / "report.json"
    command = [
        binary, url, "--quiet", "--output=json", f"--output-path={output}",
        "--only-categories=performance,accessibility,best-practices",
        "--chrome-flags=" + " ".join(CHROMIUM_ARGS),
    ]
    if preset:
        command.append(f"--preset={preset}")
    subprocess.run(command, check=True, env={"CHROME_PATH": str(CHROMIUM), "PATH": "/usr/bin:/bin:/usr/local/bin"})
    report = json.loads(output.read_text())
    scores = {key: round(category["score"] * 100) for key, category in report["categories"].items()}
    audits = {key: report["audits"][key]["displayValue"] for key in ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift")}
    return scores, audits


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lighthouse", help="path of a lighthouse binary installed outside the project")
    parser.add_argument("--screenshots", help="folder to save totem screenshots in")
    parser.add_argument("--demo-size", type=int, default=4096, help="width of the demo kitchen (seed_demo --size)")
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="panoconfig-measure-"))
    with live_panoconfig(var_dir, demo_size=args.demo_size) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        url = f"{base}/t/demo/"
        fresh = first_frame(browser, url)
        cached = [first_frame(browser, url) for _ in range(3)]
        print(f"page load, fresh combination: first non-black frame {fresh[0]:.0f} ms, full sharpness {fresh[1]:.0f} ms")
        print(summary("page load, cached combination: first non-black frame", [c[0] for c in cached]))
        print(summary("page load, cached combination: full sharpness", [c[1] for c in cached]))

        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.goto(url)
        wait_shown(page)
        wait_sharp(page)
        new = [tap(page, layer, option) for layer, option in taps_of(base, "demo", TAPS)]
        again = [tap(page, layer, option) for layer, option in taps_of(base, "demo", TAPS_BACK)]
        print(summary("tap, new combination: first level on screen", [n[0] for n in new]))
        print(summary("tap, new combination: full sharpness", [n[1] for n in new]))
        print(summary("tap, cached combination: first level on screen", [a[0] for a in again]))
        print(summary("tap, cached combination: full sharpness", [a[1] for a in again]))
        if args.screenshots:
            folder = Path(args.screenshots)
            folder.mkdir(parents=True, exist_ok=True)
            page.set_viewport_size({"width": 1280, "height": 800})
            tap(page, *taps_of(base, "demo", [(0, 1)])[0])
            page.wait_for_timeout(1200)
            page.screenshot(path=folder / "totem.png")
            page.click("#take-home")
            page.wait_for_timeout(800)
            page.screenshot(path=folder / "totem-take-home.png")
        browser.close()
        if args.lighthouse:
            for preset in (None, "desktop"):
                scores, audits = lighthouse(args.lighthouse, url, preset)
                print(f"lighthouse ({preset or 'mobile'}): {scores} {audits}")


if __name__ == "__main__":
    main()
