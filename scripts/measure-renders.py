#!/usr/bin/env python3
"""Render-service latency figures against a running server (web + worker).

    scripts/measure-renders.py http://127.0.0.1:8000 demo kitchen [--requests 200]

Prints: POST latency of a cached combination (p50/p99), and for a new combination
and then a one-layer change: time from POST to levels_ready >= 1 and to ready.
Raise PANOCONFIG_RATE_PER_IP / _PER_TENANT and PANOCONFIG_READ_RATE_PER_IP on the server first.
"""

import argparse
import json
import statistics
import sys
import time
import urllib.error
import urllib.request


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def render_timed(base, tenant, scene, selection):
    """POST then poll: seconds to the POST's answer, to levels_ready >= 1 and to ready."""
    start = time.perf_counter()
    status, data = call("POST", f"{base}/api/v1/tenants/{tenant}/renders", {"scene": scene, "selection": selection})
    answered = time.perf_counter() - start
    first = ready = None
    while True:
        if first is None and data["progress"]["levels_ready"] >= 1:
            first = time.perf_counter() - start
        if data["status"] == "ready":
            ready = time.perf_counter() - start
            break
        if data["status"] == "failed" or time.perf_counter() - start > 300:
            sys.exit(f"render did not finish: {data}")
        time.sleep(0.01)
        status, data = call("GET", base + data["status_url"])
    return status, answered, first, ready, data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("tenant")
    parser.add_argument("scene")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    base = args.base.rstrip("/")

    _, config = call("GET", f"{base}/api/v1/tenants/{args.tenant}/config")
    scene = next(s for s in config["scenes"] if s["slug"] == args.scene)
    layers = scene["layers"]
    default = {layer["slug"]: layer["default_option"] for layer in layers}

    # A cached combination: render the default one, then time repeated POSTs of it.
    render_timed(base, args.tenant, args.scene, default)
    latencies = []
    for _ in range(args.requests):
        start = time.perf_counter()
        status, _ = call("POST", f"{base}/api/v1/tenants/{args.tenant}/renders",
                         {"scene": args.scene, "selection": default})
        latencies.append((time.perf_counter() - start) * 1000)
        assert status == 200, status
    latencies.sort()
    print(f"cached_post_p50_ms: {statistics.median(latencies):.1f}")
    print(f"cached_post_p99_ms: {latencies[int(len(latencies) * 0.99) - 1]:.1f}")

    # A new combination: the last option of every layer (none of them the default).
    new = {layer["slug"]: layer["options"][-1]["code"] for layer in layers}
    status, answered, first, ready, data = render_timed(base, args.tenant, args.scene, new)
    print(f"new_combination_post_status: {status}")
    print(f"new_combination_post_answer_s: {answered:.3f}")
    print(f"new_combination_first_level_s: {first:.3f}")
    print(f"new_combination_ready_s: {ready:.3f}")
    print(f"new_combination_tiles: {data['progress']['tiles_total']}")

    # One layer changed from that combination.
    changed = dict(new)
    first_layer = layers[0]
    changed[first_layer["slug"]] = first_layer["options"][-2]["code"]
    status, answered, first, ready, _ = render_timed(base, args.tenant, args.scene, changed)
    print(f"one_layer_change_post_status: {status}")
    print(f"one_layer_change_first_level_s: {first:.3f}")
    print(f"one_layer_change_ready_s: {ready:.3f}")


if __name__ == "__main__":
    main()
