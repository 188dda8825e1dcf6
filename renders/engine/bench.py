"""``python -m renders.engine.bench``: the render engine's figures on a synthetic scene.

Generates an 8192×4096 photo-like equirect scene (face 2048, 3 layers whose masks cover
about 14.5 % of the sphere, 4 textured options each) in a temporary directory and prints
``name: value`` lines, each the median of ``--runs`` runs (at least 3; at least 7 for the
render figures), then the targets they are compared with. Peak RSS figures come from child
processes that only do that one job.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .composite import encode_jpeg
from .prepare import prepare_scene
from .scene import PreparedScene
from .synthetic import write_scene

TARGETS = {  # name: (comparison, limit)
    "ratio_full_to_floor": ("<=", 2.0),
    "one_layer_change_over_full": ("<=", 0.35),
    "first_level_s": ("<=", 0.15),
    "prepare_s": ("<=", 20.0),
    "peak_rss_mb": ("<=", 500.0),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--width", type=int, default=8192)
    parser.add_argument("--child", choices=["build", "prepare"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child, Path(args.dir))
    with tempfile.TemporaryDirectory(prefix="panoconfig-bench-") as tmp:
        figures = run(Path(tmp), width=args.width, runs=max(3, args.runs))
    for name, value in figures.items():
        print(f"{name}: {value}")
    for name, (op, limit) in TARGETS.items():
        ok = figures[name] <= limit
        print(f"target_{name}: {op} {limit} ({'met' if ok else 'MISSED'})")
    return 0


def run(tmp: Path, *, width: int, runs: int) -> dict:
    load_before = _load()
    scene = write_scene(tmp / "source", width=width)
    prepare_times, prepare_cpu = [], []
    for number in range(runs):
        started, started_cpu = time.perf_counter(), _cpu_seconds()
        prepare_scene(scene, tmp / f"prepared_{number}")
        prepare_times.append(time.perf_counter() - started)
        prepare_cpu.append(_cpu_seconds() - started_cpu)
    prepared_dir = tmp / "prepared_0"
    layer_keys = PreparedScene.load(prepared_dir).layer_keys
    first = {key: "o0" for key in layer_keys}
    second = {**first, layer_keys[1]: "o1"}

    # renders are cheap: more runs make their medians steadier on a shared machine
    render_runs = max(7, runs)
    full, first_level, change = [], [], []
    for _ in range(render_runs):
        tiles, full_s, first_level_s = _timed_build(prepared_dir, first, skip=())
        full.append(full_s)
        first_level.append(first_level_s)
        existing = {key for _, key, _ in tiles}
        changed, change_s, _ = _timed_build(prepared_dir, second, skip=existing)
        change.append(change_s)

    scene_now = PreparedScene.load(prepared_dir)
    chosen = scene_now._chosen_options(first)
    pixels = [scene_now.tile_pixels(index, chosen).copy() for index in range(len(scene_now.tiles()))]
    floor = []
    for _ in range(render_runs):
        started = time.perf_counter()
        for tile in pixels:
            encode_jpeg(tile, quality=85)
        floor.append(time.perf_counter() - started)

    full_s, floor_s = statistics.median(full), statistics.median(floor)
    figures = {
        "prepare_s": round(statistics.median(prepare_times), 3),
        # CPU seconds of all threads: what prepare_s would be on one idle core
        "prepare_cpu_s": round(statistics.median(prepare_cpu), 3),
        "full_build_s": round(full_s, 4),
        "first_level_s": round(statistics.median(first_level), 4),
        "one_layer_change_s": round(statistics.median(change), 4),
        "floor_s": round(floor_s, 4),
        "ratio_full_to_floor": round(full_s / floor_s, 3),
        "one_layer_change_over_full": round(statistics.median(change) / full_s, 3),
        "peak_rss_mb": _child_peak_rss("build", prepared_dir),
        "prepare_peak_rss_mb": _child_peak_rss("prepare", tmp / "source"),
        "tiles_total": len(tiles),
        "tiles_rendered_one_layer_change": len(changed),
        "bytes_total": sum(len(data) for _, _, data in tiles),
        "prepared_mb": round(sum(p.stat().st_size for p in prepared_dir.iterdir()) / 2**20, 1),
        "load_average_before": load_before,
        "load_average_after": _load(),
    }
    return figures


def _timed_build(prepared_dir: Path, selection, *, skip):
    """(tiles, seconds for all, seconds until the lowest level's tiles are all encoded)."""
    started = time.perf_counter()
    scene = PreparedScene.load(prepared_dir)
    lowest = sum(1 for coord in scene.tiles() if coord.level == 0)
    tiles, first_level_s = [], None
    for tile in scene.render(selection, skip_keys=skip):
        tiles.append(tile)
        if first_level_s is None and (tile[0].level > 0 or len(tiles) == lowest):
            first_level_s = time.perf_counter() - started
    return tiles, time.perf_counter() - started, first_level_s


def _child_peak_rss(job: str, directory: Path) -> float:
    command = [sys.executable, "-m", "renders.engine.bench", "--child", job, "--dir", str(directory)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_project_root(), os.environ.get("PYTHONPATH")]))}
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(output.strip().splitlines()[-1])["peak_rss_mb"]


def _child(job: str, directory: Path) -> int:
    if job == "build":
        scene = PreparedScene.load(directory)
        for _ in scene.render({key: "o0" for key in scene.layer_keys}):
            pass
    else:
        out = directory.parent / "prepared_rss"
        prepare_scene(_scene_from_folder(directory), out)
        shutil.rmtree(out)
    print(json.dumps({"peak_rss_mb": round(_peak_rss_kb() / 1024, 1)}))
    return 0


def _peak_rss_kb() -> int:
    # VmHWM belongs to this program's own address space; ru_maxrss would also count the
    # parent's pages that the child had right after fork(), before exec().
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _scene_from_folder(directory: Path):
    """Rebuilds the SceneInput for files write_scene left in ``directory``."""
    from .synthetic import LAYER_BOXES, file_digest
    from .types import ImageInput, LayerInput, SceneInput

    def image(name):
        return ImageInput(path=str(directory / name), digest=file_digest(directory / name))

    layers = []
    for number in range(len(LAYER_BOXES)):
        options = sorted(directory.glob(f"option_{number}_*.jpg"))
        layers.append(LayerInput(key=f"layer{number}", mask=image(f"mask_{number}.png"),
                                 options={f"o{p.stem.rsplit('_', 1)[1]}": image(p.name) for p in options}))
    return SceneInput(projection="equirect", base=image("base.jpg"), layers=layers)


def _project_root() -> str:
    return str(Path(__file__).resolve().parents[2])


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
