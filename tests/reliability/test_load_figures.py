"""make load's server-side figures read from gunicorn's JSON access log."""

import json

from loadtest.load import server_times


def access(time, method, path, duration):
    entry = {"time": time, "type": "access", "method": method, "path": path, "duration_ms": duration}
    return "[gunicorn] " + json.dumps(entry) + "\n"


def test_server_times_take_the_steady_window_only_and_split_posts_from_tiles(tmp_path):
    log = tmp_path / "gunicorn.log"
    lines = ["2026-11-26 worker booted\n", access("2026-11-26T10:00:00.000+00:00", "POST", "/api/v1/x", 900.0)]
    lines += [access(f"2026-11-26T10:00:{10 + n % 40:02d}.000+00:00", "POST", "/api/v1/tenants/a/renders", n + 1.0)
              for n in range(100)]
    lines += [access("2026-11-26T10:00:20.000+00:00", "GET", f"/tiles/t/{n}.jpg", 2.0) for n in range(10)]
    lines += [access("2026-11-26T10:00:30.000+00:00", "GET", "/api/v1/tenants/a/config", 50.0)]
    lines += [access("2026-11-26T10:01:30.000+00:00", "GET", "/tiles/t/late.jpg", 800.0)]
    log.write_text("".join(lines))

    figures = server_times(log, "2026-11-26T10:00:05.000+00:00", "2026-11-26T10:01:00.000+00:00")

    assert figures["post"] == {"requests": 100, "p50_ms": 51.0, "p99_ms": 100.0}
    assert figures["tile"] == {"requests": 10, "p50_ms": 2.0, "p99_ms": 2.0}
